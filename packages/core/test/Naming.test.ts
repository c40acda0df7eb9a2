import { assert, describe, it } from "@effect/vitest"
import * as Naming from "../src/Naming.js"

const none = { titles: new Set<string>(), tags: new Set<string>() }

describe("Naming (R3)", () => {
  it("titles a field after the service and derives the tag", () => {
    assert.deepStrictEqual(Naming.resolveFieldName("Google Contacts", "Company", none), {
      title: "Google Contacts Company",
      tag: "GOOGLE_CONTACTS_COMPANY"
    })
  })

  it("collapses each run of non-alphanumerics into one underscore and trims them", () => {
    assert.strictEqual(Naming.personalizationTag("Shopify  Amount spent (EUR) "), "SHOPIFY_AMOUNT_SPENT_EUR")
    assert.strictEqual(Naming.personalizationTag("--HubSpot / Job-Title!"), "HUBSPOT_JOB_TITLE")
  })

  it("folds diacritics to ASCII", () => {
    assert.strictEqual(Naming.personalizationTag("Zendesk Straße Größe Café"), "ZENDESK_STRASSE_GROSSE_CAFE")
  })

  it("never takes over a title or tag that is already used: the next free suffix is chosen", () => {
    const taken = { titles: new Set(["google contacts company"]), tags: new Set(["GOOGLE_CONTACTS_COMPANY"]) }
    assert.deepStrictEqual(Naming.resolveFieldName("Google Contacts", "Company", taken), {
      title: "Google Contacts Company (2)",
      tag: "GOOGLE_CONTACTS_COMPANY_2"
    })
  })

  it("resolves a tag collision between different titles (another connector deriving the same tag)", () => {
    const taken = { titles: new Set(["google-contacts company"]), tags: new Set(["GOOGLE_CONTACTS_COMPANY", "GOOGLE_CONTACTS_COMPANY_2"]) }
    assert.deepStrictEqual(Naming.resolveFieldName("Google Contacts", "Company", taken), {
      title: "Google Contacts Company (3)",
      tag: "GOOGLE_CONTACTS_COMPANY_3"
    })
  })
})
