/**
 * The recorded HubSpot answers (test/fixtures, from amp-labs/connectors, MIT — see NOTICE.md
 * there) decode with the connector's schemas, and the fake accepts the
 * recorded request.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parseSearch } from "../src/fake/index.js"
import { accountKey, Config, HubSpot } from "../src/index.js"
import { ErrorEnvelope, SearchResponse } from "../src/internal/api.js"
import { toRecord } from "../src/internal/contact.js"
import { fallbackRetryAfterSeconds } from "../src/internal/wire.js"

const fixture = (name: string): unknown => JSON.parse(readFileSync(fileURLToPath(new URL(`fixtures/${name}`, import.meta.url)), "utf8"))
const decode = (name: string) => Schema.decodeUnknownSync(SearchResponse)(fixture(name), { onExcessProperty: "ignore" })

describe("fixtures", () => {
  it("search pages: results, total and the numeric-string after", () => {
    const first = decode("contacts-search-page1.json")
    expect(first.total).toBe(57)
    expect(first.paging?.next?.after).toBe("54")
    expect(first.results[0]!.id).toBe("501")
    expect(first.results[0]!.updatedAt.toISOString()).toBe("2025-01-27T19:53:15.581Z")
    const last = decode("contacts-search-page2-last.json")
    expect(last.paging).toBeUndefined()
    expect(last.results[0]!.properties["phone"]).toBe("9195550182")
  })

  it("the incremental answer, and the list page (same object shape, paging with a link)", () => {
    const incremental = decode("contacts-search-incremental-response.json")
    expect(incremental.results[0]!.id).toBe("220006890315")
    const list = decode("contacts-list-with-paging.json")
    expect(list.results.map((c) => c.id)).toEqual(["1", "51", "101"])
    expect(list.paging?.next?.link).toContain("after=394")
  })

  it("a recorded contact becomes a SourceContact: nulls stay null, names and phone in their columns", () => {
    const contact = decode("contacts-search-page2-last.json").results[0]!
    const record = toRecord(contact)
    expect(record.externalId).toBe("103107104018")
    expect(record.email).toBe("kaseyweissnat@example.com")
    expect([record.firstName, record.lastName, record.phone]).toEqual(["Johnnie", "Conroy", "9195550182"])
    expect(record.fields["company"]).toBeNull()
    expect(record.fields["website"]).toBeNull()
    expect(record.previousExternalIds).toBeUndefined()
  })

  it("merged ids become previous external ids (`;`-separated, the contact's own id left out)", () => {
    const contact = decode("contacts-search-page1.json").results[0]!
    const merged = { ...contact, properties: { ...contact.properties, hs_merged_object_ids: "77;501;1203" } }
    expect(toRecord(merged).previousExternalIds).toEqual(["77", "1203"])
  })

  it("the error envelope without `category`, as recorded", () => {
    const error = Schema.decodeUnknownSync(ErrorEnvelope)(fixture("error-search-invalid-object.json"))
    expect(error.message).toBe("Unable to infer object type from: butterflies")
    expect(error.category).toBeUndefined()
  })

  it("the fake accepts the recorded request: ISO date value, limit as a string, no sorts", () => {
    const parsed = parseSearch(fixture("contacts-search-incremental-request.json"), 10_000)
    expect(parsed.limit).toBe(200)
    expect(parsed.properties).toEqual(["email"])
    expect(parsed.groups[0]![0]).toEqual({ propertyName: "lastmodifieddate", operator: "GTE", value: "2026-05-05T23:10:00Z" })
    expect(() => parseSearch({ limit: 201 }, 10_000)).toThrow(/at most 200/)
    expect(() => parseSearch({ after: "10000" }, 10_000)).toThrow(/Paging past 10000/)
  })
})

describe("rules", () => {
  it("fallback waits for a 429 without Retry-After follow the policy named in the body", () => {
    const now = Date.parse("2026-11-29T20:00:00Z")
    const body = (json: object) => Schema.decodeUnknownOption(ErrorEnvelope)(json, { onExcessProperty: "ignore" })
    expect(fallbackRetryAfterSeconds(body({ status: "error", message: "You have reached your secondly limit.", category: "RATE_LIMITS" }), now)).toBe(1)
    expect(fallbackRetryAfterSeconds(body({ status: "error", message: "You have reached your ten_secondly_rolling limit.", errorType: "RATE_LIMIT", policyName: "TEN_SECONDLY_ROLLING" }), now)).toBe(10)
    expect(fallbackRetryAfterSeconds(body({ status: "error", message: "You have reached your daily limit.", policyName: "DAILY" }), now)).toBe(4 * 3600)
    expect(fallbackRetryAfterSeconds(Option.none(), now)).toBe(1)
  })

  it("the account key is the portal when known, otherwise a hash that reveals no secret", () => {
    const oauth = (refreshToken: string, portalId?: string) =>
      Schema.decodeUnknownSync(Config)({ credentials: { _tag: "oauth", clientId: "c", clientSecret: "s", refreshToken }, ...(portalId ? { portalId } : {}) })
    expect(accountKey(oauth("r1", "44237313"))).toBe("hubspot:44237313")
    const hashed = accountKey(oauth("secret-refresh-token"))
    expect(hashed).toMatch(/^hubspot:[0-9a-f]{16}$/)
    expect(hashed).not.toContain("secret")
    expect(accountKey(oauth("secret-refresh-token"))).toBe(hashed)
    expect(accountKey(oauth("another-token"))).not.toBe(hashed)
  })

  it("the connector's fields are named for R3 and the config keeps secrets redacted", () => {
    expect(HubSpot.fields.map((f) => f.label)).toEqual([
      "Company", "Job Title", "Lifecycle Stage", "Lead Status", "Mobile Phone", "Website", "City", "State", "Country"
    ])
    const config = Schema.decodeUnknownSync(Config)({ credentials: { _tag: "private-app", accessToken: "pat-na1-x" } })
    expect(String(config.credentials._tag === "private-app" && config.credentials.accessToken)).not.toContain("pat-na1-x")
    expect(config.lifecycleStages).toEqual([])
  })
})
