import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { readFileSync } from "node:fs"
import { toSourceContact } from "../src/internal/mapping.js"
import { estimatedCost, updatedSince } from "../src/internal/query.js"
import { Config, Customer, CustomersResponse, Settings } from "../src/Schemas.js"
import * as DateTime from "effect/DateTime"

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8"))
const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownEither(schema, { onExcessProperty: "ignore" })

/** The record of connectors/shopify/README.md §5, as documented. */
const documented = {
  id: "gid://shopify/Customer/7012345678901",
  legacyResourceId: "7012345678901",
  firstName: "Ada", lastName: "Lovelace", displayName: "Ada Lovelace",
  defaultEmailAddress: { emailAddress: "ada@example.com", marketingState: "SUBSCRIBED", marketingOptInLevel: "SINGLE_OPT_IN", marketingUpdatedAt: "2026-05-02T09:00:00Z" },
  defaultPhoneNumber: { phoneNumber: "+442079460000", marketingState: "NOT_SUBSCRIBED", marketingOptInLevel: null, marketingUpdatedAt: null },
  defaultAddress: {
    address1: "12 St James's Sq", address2: "Flat 2", city: "London", province: null, provinceCode: null, country: "United Kingdom",
    countryCodeV2: "GB", zip: "SW1Y 4JH", company: "Analytical Engines Ltd", phone: "+442079460000", firstName: "Ada", lastName: "Lovelace"
  },
  addressesV2: { nodes: [] },
  tags: ["vip", "newsletter"],
  note: "Prefers email",
  state: "ENABLED",
  verifiedEmail: true, locale: "en", taxExempt: false,
  numberOfOrders: "3",
  amountSpent: { amount: "120.50", currencyCode: "GBP" },
  createdAt: "2024-03-01T10:00:00Z",
  updatedAt: "2026-09-01T08:15:30Z"
}

describe("Shopify schemas", () => {
  it("decode the recorded THROTTLED answer: the error code and the bucket", () => {
    const decoded = decode(CustomersResponse)(fixture("graphql-throttled.json"))
    assert.isTrue(Either.isRight(decoded))
    const body = Either.getOrThrow(decoded)
    assert.strictEqual(body.errors[0]!.extensions?.code, "THROTTLED")
    assert.strictEqual(body.data, null)
    assert.deepStrictEqual(body.extensions?.cost, {
      requestedQueryCost: 70,
      actualQueryCost: null,
      throttleStatus: { maximumAvailable: 1000, currentlyAvailable: 66, restoreRate: 50 }
    })
  })

  it("decode the recorded MAX_COST_EXCEEDED answer, which has no extensions.cost", () => {
    const body = Either.getOrThrow(decode(CustomersResponse)(fixture("graphql-max-cost-exceeded.json")))
    assert.deepStrictEqual(body.errors[0]!.extensions, { code: "MAX_COST_EXCEEDED", cost: 1002, maxCost: 1000 })
    assert.isUndefined(body.extensions)
  })

  it("decode the documented customer and map it: names, phone, fields", () => {
    const customer = Either.getOrThrow(decode(Customer)(documented))
    const contact = toSourceContact(customer)
    assert.strictEqual(contact.externalId, "gid://shopify/Customer/7012345678901")
    assert.strictEqual(contact.email, "ada@example.com")
    assert.deepStrictEqual([contact.firstName, contact.lastName, contact.phone], ["Ada", "Lovelace", "+442079460000"])
    assert.deepStrictEqual(contact.fields, {
      orders_count: "3",
      amount_spent: "120.50",
      amount_spent_currency: "GBP",
      tags: "vip, newsletter",
      address: "12 St James's Sq\nFlat 2\nSW1Y 4JH London\nUnited Kingdom",
      city: "London",
      country: "United Kingdom",
      company: "Analytical Engines Ltd",
      marketing_state: "SUBSCRIBED"
    })
  })

  it("a customer without email, phone or address maps to nulls; unknown marketing states pass", () => {
    const customer = Either.getOrThrow(decode(Customer)({
      ...documented,
      defaultEmailAddress: { emailAddress: null, marketingState: "SOMETHING_NEW" },
      defaultPhoneNumber: null,
      defaultAddress: null,
      tags: []
    }))
    const contact = toSourceContact(customer)
    assert.strictEqual(contact.email, null)
    assert.strictEqual(contact.phone, null)
    assert.deepStrictEqual([contact.fields["address"], contact.fields["tags"], contact.fields["marketing_state"]], [null, null, "SOMETHING_NEW"])
  })

  it("rejects a customer whose id is not a customer GID or whose order count is not a count", () => {
    assert.isTrue(Either.isLeft(decode(Customer)({ ...documented, id: "gid://shopify/Order/1" })))
    assert.isTrue(Either.isLeft(decode(Customer)({ ...documented, numberOfOrders: 3 })))
  })

  it("settings: defaults, page size at most 250; config: shop handle from a domain, secrets redacted", () => {
    const settings = Schema.decodeUnknownSync(Settings)({})
    assert.strictEqual(settings.baseUrl, "https://{shop}.myshopify.com")
    assert.strictEqual(settings.pageSize, 100)
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Settings)({ pageSize: 251 })))
    const grant = { clientId: "id", clientSecret: "s3cret", refreshToken: "shprt_1" }
    const config = Schema.decodeUnknownSync(Config)({ shop: "https://My-Store.myshopify.com", credentials: grant })
    assert.strictEqual(config.shop, "my-store")
    assert.isTrue("refreshToken" in config.credentials)
    assert.notInclude(JSON.stringify(config), "s3cret")
    assert.notInclude(JSON.stringify(config), "shprt_1")
    const legacy = Schema.decodeUnknownSync(Config)({ shop: "my-store", credentials: { accessToken: "shpat_1" } })
    assert.isTrue("accessToken" in legacy.credentials)
    assert.notInclude(String(legacy), "shpat_1")
    assert.deepStrictEqual(Schema.encodeSync(Config)(config).credentials, grant, "the store gets the secrets back to encrypt")
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Config)({ shop: "my store", credentials: grant })))
    assert.isTrue(Either.isLeft(Schema.decodeUnknownEither(Config)({ shop: "my-store", credentials: { clientId: "id" } })))
  })

  it("the query's cost estimate matches the recorded MAX_COST_EXCEEDED figure; the filter is zoned and inclusive", () => {
    assert.strictEqual(estimatedCost(200), 1002)
    assert.isAtMost(estimatedCost(100), 1000)
    assert.strictEqual(updatedSince(DateTime.unsafeMake("2026-09-01T08:15:30.750Z")), "updated_at:>='2026-09-01T08:15:30Z'")
  })
})
