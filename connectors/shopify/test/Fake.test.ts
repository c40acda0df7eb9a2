import { serveFake } from "@autoimport/connector-kit/testing"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fake from "../src/fake/index.js"
import { customersQuery } from "../src/internal/query.js"

/** The fake shop on a port, with a valid access token from a refresh. */
const served = (options: Partial<Fake.ShopifyFakeOptions> = {}) =>
  Effect.gen(function*() {
    const shop = Fake.makeShopifyFake({ seed: 31, size: 40, sameTimestampRun: 5, ...options })
    const { url } = yield* serveFake(shop.handlers)
    const token = (body: Record<string, string>) =>
      Effect.promise(() =>
        fetch(`${url}/admin/oauth/access_token`, {
          method: "POST",
          body: new URLSearchParams({ client_id: Fake.clientId, client_secret: Fake.clientSecret, ...body })
        }).then(async (r) => ({ status: r.status, body: await r.json() as Record<string, any> }))
      )
    const { body } = yield* token({ grant_type: "refresh_token", refresh_token: shop.grant() })
    const graphql = (query: string, variables: Record<string, unknown> = {}, accessToken: string = body["access_token"]) =>
      Effect.promise(() =>
        fetch(`${url}/admin/api/2026-07/graphql.json`, {
          method: "POST",
          headers: { "content-type": "application/json", "x-shopify-access-token": accessToken },
          body: JSON.stringify({ query, variables })
        }).then(async (r) => ({ status: r.status, body: await r.json() as Record<string, any> }))
      )
    return { shop, token, graphql }
  })

const code = (answer: { body: Record<string, any> }) => answer.body["errors"]?.[0]?.extensions?.code

describe("the fake shop", () => {
  it.scoped("rejects what it does not serve, clearly", () =>
    Effect.gen(function*() {
      const { graphql } = yield* served()
      const orders = yield* graphql("query { orders(first: 5) { nodes { id } } }")
      assert.strictEqual(code(orders), "undefinedField")
      assert.include(orders.body["errors"][0].message, "orders")
      assert.include((yield* graphql(customersQuery, { first: 251 })).body["errors"][0].message, "first cannot exceed 250")
      const byName = yield* graphql("query { customers(first: 5, sortKey: NAME) { nodes { id } } }")
      assert.include(byName.body["errors"][0].message, "UPDATED_AT")
      const unzoned = yield* graphql(customersQuery, { first: 5, query: "updated_at:>='2025-01-01T00:00:00'" })
      assert.strictEqual(code(unzoned), "invalidSearchQuery")
      const unknownTerm = yield* graphql(customersQuery, { first: 5, query: "tag:vip" })
      assert.strictEqual(code(unknownTerm), "invalidSearchQuery")
    }))

  it.scoped("honours strict and inclusive comparisons, and binds page cursors to their query", () =>
    Effect.gen(function*() {
      const { graphql, shop } = yield* served()
      const all = Array.from(shop.customers())
      const at = all[10]!.updatedAt // customers 10..14 share it
      const ids = (answer: { body: Record<string, any> }) => answer.body["data"].customers.nodes.map((n: any) => n.id)
      const inclusive = yield* graphql(customersQuery, { first: 100, query: `updated_at:>='${at}'` })
      assert.deepStrictEqual(ids(inclusive), all.slice(10).map((c) => c.id))
      const strict = yield* graphql(customersQuery, { first: 100, query: `updated_at:>"${at}" AND updated_at:<='${all[24]!.updatedAt}'` })
      assert.deepStrictEqual(ids(strict), all.slice(15, 25).map((c) => c.id))
      const page = yield* graphql(customersQuery, { first: 3, query: `updated_at:>='${at}'` })
      assert.isTrue(page.body["data"].customers.pageInfo.hasNextPage)
      const after = page.body["data"].customers.pageInfo.endCursor
      const next = yield* graphql(customersQuery, { first: 3, after, query: `updated_at:>='${at}'` })
      assert.deepStrictEqual(ids(next), all.slice(13, 16).map((c) => c.id))
      assert.strictEqual(code(yield* graphql(customersQuery, { first: 3, after, query: null })), "argumentLiteralsIncompatible")
      assert.deepStrictEqual(page.body["extensions"].cost.requestedQueryCost, 2 + 3 * 5)
    }))

  it.scoped("auth: Shopify's 401 string body; the authorization-code grant, expiring or not", () =>
    Effect.gen(function*() {
      const { graphql, shop, token } = yield* served()
      const denied = yield* graphql(customersQuery, { first: 1 }, "shpat_wrong")
      assert.strictEqual(denied.status, 401)
      assert.isString(denied.body["errors"])
      const expiring = yield* token({ code: shop.authorizationCode(), expiring: "1" })
      assert.strictEqual(expiring.body["expires_in"], 3600)
      assert.isString(expiring.body["refresh_token"])
      const legacy = yield* token({ code: shop.authorizationCode() })
      assert.deepStrictEqual(Object.keys(legacy.body).sort(), ["access_token", "scope"])
      assert.strictEqual((yield* graphql(customersQuery, { first: 1 }, legacy.body["access_token"])).status, 200)
      const reused = yield* token({ code: "code_unknown" })
      assert.deepStrictEqual([reused.status, reused.body["error"]], [400, "invalid_grant"])
    }))
})
