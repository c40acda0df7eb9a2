/**
 * The fake answers as HubSpot does (README.md §7), over HTTP on a loopback port.
 */
import { serveFake } from "@autoimport/connector-kit/testing"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { Dataset, makeHubSpotFake } from "../src/fake/index.js"
import { sorted } from "./helpers.js"

const setup = (options: Parameters<typeof makeHubSpotFake>[0]) =>
  Effect.gen(function*() {
    const fake = makeHubSpotFake(options)
    const { url } = yield* serveFake(fake.handlers)
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      Effect.promise(async () => {
        const response = await fetch(`${url}${path}`, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body: typeof body === "string" ? body : JSON.stringify(body)
        })
        return { status: response.status, headers: response.headers, body: await response.json() as any }
      })
    const token = Effect.map(
      post("/oauth/v1/token", `grant_type=refresh_token&client_id=${fake.clientId}&client_secret=${fake.clientSecret}&refresh_token=${fake.refreshToken}`, {
        "content-type": "application/x-www-form-urlencoded"
      }),
      (answer) => answer.body.access_token as string
    )
    const search = (body: unknown) =>
      Effect.flatMap(token, (access) => post("/crm/v3/objects/contacts/search", body, { authorization: `Bearer ${access}` }))
    const get = (path: string) =>
      Effect.flatMap(token, (access) =>
        Effect.promise(async () => {
          const response = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${access}` } })
          return { status: response.status, headers: response.headers, body: await response.json() as any }
        }))
    return { fake, get, post, search }
  })

const byTime = (operator: string, value: number, extra: Record<string, unknown> = {}) => ({
  filterGroups: [{ filters: [{ propertyName: "lastmodifieddate", operator, value: String(value) }] }],
  sorts: [{ propertyName: "lastmodifieddate", direction: "ASCENDING" }],
  limit: 200,
  ...extra
})

describe("HubSpot fake", () => {
  it("is deterministic per seed", () => {
    const render = (seed: number) => {
      const dataset = new Dataset({ seed, size: 40, missingEmailRatio: 0.1, invalidEmailRatio: 0.1, duplicateEmailRatio: 0.1, sameTimestamp: 0, contactsPerSecond: 3 })
      return Array.from({ length: 40 }, (_, i) => dataset.contact(i))
    }
    assert.deepStrictEqual(render(5), render(5))
    assert.notDeepEqual(render(5), render(6))
  })

  it.scoped("a portal of 1,000,000 contacts is built on demand and searched by time and by id", () =>
    Effect.gen(function*() {
      const { fake, search } = yield* setup({ seed: 1, size: 1_000_000, sameTimestamp: 12_000 })
      const first = yield* search(byTime("GTE", 0))
      assert.strictEqual(first.status, 200)
      assert.strictEqual(first.body.results.length, 200)
      assert.isAbove(first.body.total, 10_000)
      const tied = first.body.results[0].updatedAt as string
      // More than 10,000 share one timestamp: paging them by offset runs into the cap…
      const capped = yield* search({ ...byTime("EQ", Date.parse(tied)), after: "10000" })
      assert.strictEqual(capped.status, 400)
      assert.strictEqual(capped.body.category, "VALIDATION_ERROR")
      assert.strictEqual(fake.capRejections, 1)
      // …and by id they page to the end.
      const byId = yield* search({
        filterGroups: [{ filters: [
          { propertyName: "lastmodifieddate", operator: "EQ", value: String(Date.parse(tied)) },
          { propertyName: "hs_object_id", operator: "GT", value: Dataset.idOf(11_900) }
        ] }],
        sorts: [{ propertyName: "hs_object_id", direction: "ASCENDING" }],
        limit: 200
      })
      assert.deepStrictEqual(byId.body.results.map((c: any) => c.id), Array.from({ length: 99 }, (_, k) => Dataset.idOf(11_901 + k)))
      assert.isUndefined(byId.body.paging)
    }), 120_000)

  it.scoped("filters on lastmodifieddate: GT exclusive, GTE inclusive, LT/LTE/BETWEEN, ms or ISO values", () =>
    Effect.gen(function*() {
      const { fake, search } = yield* setup({ seed: 2, size: 60, sameTimestamp: 5 })
      const t = fake.contacts()[0]!.updatedAt
      const count = (answer: { body: any }) => answer.body.total as number
      const all = fake.contacts().length
      const at = fake.contacts().filter((c) => c.updatedAt === t).length
      const before = fake.contacts().filter((c) => c.updatedAt < t).length
      assert.strictEqual(count(yield* search(byTime("GTE", t))), all - before)
      assert.strictEqual(count(yield* search(byTime("GT", t))), all - before - at)
      assert.strictEqual(count(yield* search(byTime("EQ", t))), at)
      assert.strictEqual(count(yield* search(byTime("LTE", t))), before + at)
      assert.strictEqual(count(yield* search(byTime("LT", t))), before)
      const iso = yield* search({ filterGroups: [{ filters: [{ propertyName: "lastmodifieddate", operator: "GTE", value: new Date(t).toISOString() }] }] })
      assert.strictEqual(count(iso), all - before)
      const between = yield* search({ filterGroups: [{ filters: [{ propertyName: "lastmodifieddate", operator: "BETWEEN", value: String(t), highValue: String(t) }] }] })
      assert.strictEqual(count(between), at)
    }))

  it.scoped("equal timestamps come in an arbitrary (seeded) order; sorts as objects or strings, both directions", () =>
    Effect.gen(function*() {
      const { search } = yield* setup({ seed: 3, size: 80, sameTimestamp: 40 })
      const ascending = (yield* search(byTime("GTE", 0, { limit: 40 }))).body.results.map((c: any) => c.id)
      assert.notDeepEqual(ascending, sorted(ascending), "ties are not in id order")
      const asString = (yield* search({ ...byTime("GTE", 0, { limit: 40 }), sorts: ["lastmodifieddate"] })).body.results.map((c: any) => c.id)
      assert.deepStrictEqual(asString, ascending)
      const descending = (yield* search({ ...byTime("GTE", 0), sorts: [{ propertyName: "lastmodifieddate", direction: "DESCENDING" }] })).body.results
      const times = descending.map((c: any) => Date.parse(c.updatedAt))
      assert.deepStrictEqual(times, [...times].sort((a, b) => b - a))
    }))

  it.scoped("only requested properties, null when empty; the default set when none are named; deleted contacts never", () =>
    Effect.gen(function*() {
      const { fake, search } = yield* setup({ seed: 4, size: 30 })
      const some = (yield* search({ ...byTime("GTE", 0), properties: ["email", "website"] })).body.results
      assert.deepStrictEqual(Object.keys(some[0].properties).sort(), ["email", "website"])
      assert.isTrue(some.some((c: any) => c.properties.website === null))
      const defaults = (yield* search({ limit: 1 })).body.results[0]
      assert.deepStrictEqual(Object.keys(defaults.properties).sort(), ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"])
      const [gone] = fake.dataset.archive([3])
      const after = (yield* search(byTime("GTE", 0))).body
      assert.strictEqual(after.total, 29)
      assert.isFalse(after.results.some((c: any) => c.id === gone!.id))
    }))

  it.scoped("errors as HubSpot sends them: limits, auth, rate limit, token", () =>
    Effect.gen(function*() {
      const { fake, post, search } = yield* setup({ seed: 5, size: 10 })
      const tooBig = yield* search({ limit: 201 })
      assert.strictEqual(tooBig.status, 400)
      assert.deepStrictEqual(Object.keys(tooBig.body).sort(), ["category", "correlationId", "message", "status"])
      const noAuth = yield* post("/crm/v3/objects/contacts/search", {})
      assert.strictEqual(noAuth.status, 401)
      assert.strictEqual(noAuth.body.category, "INVALID_AUTHENTICATION")
      fake.faults.rateLimitNext(1)
      const limited = yield* search({})
      assert.strictEqual(limited.status, 429)
      assert.deepStrictEqual([limited.body.category, limited.body.message], ["RATE_LIMITS", "You have reached your secondly limit."])
      assert.isNull(limited.headers.get("retry-after"))
      fake.faults.revokeRefreshTokens()
      const revoked = yield* post("/oauth/v1/token", `grant_type=refresh_token&client_id=${fake.clientId}&client_secret=${fake.clientSecret}&refresh_token=x`, {
        "content-type": "application/x-www-form-urlencoded"
      })
      assert.strictEqual(revoked.status, 400)
      assert.deepStrictEqual([revoked.body.error, revoked.body.status], ["invalid_grant", "BAD_REFRESH_TOKEN"])
    }))

  it.scoped("an access token from before expireAccessTokens is EXPIRED_AUTHENTICATION", () =>
    Effect.gen(function*() {
      const { fake, post } = yield* setup({ seed: 6, size: 10 })
      const answer = yield* post("/oauth/v1/token", `grant_type=refresh_token&client_id=${fake.clientId}&client_secret=${fake.clientSecret}&refresh_token=${fake.refreshToken}`, {
        "content-type": "application/x-www-form-urlencoded"
      })
      assert.strictEqual(answer.body.expires_in, 1800)
      fake.faults.expireAccessTokens()
      const expired = yield* post("/crm/v3/objects/contacts/search", {}, { authorization: `Bearer ${answer.body.access_token}` })
      assert.strictEqual(expired.status, 401)
      assert.strictEqual(expired.body.category, "EXPIRED_AUTHENTICATION")
    }))

  it.scoped("the list: ascending ids, opaque after, limit 10 by default and at most 100, archived=true for deleted contacts only", () =>
    Effect.gen(function*() {
      const { fake, get } = yield* setup({ seed: 7, size: 130 })
      const first = yield* get("/crm/v3/objects/contacts")
      assert.deepStrictEqual(first.body.results.map((c: any) => c.id), Array.from({ length: 10 }, (_, i) => Dataset.idOf(i)))
      assert.strictEqual(first.headers.get("x-hubspot-ratelimit-max"), "110")
      const seen: Array<string> = []
      let after: string | undefined
      do {
        const page = yield* get(`/crm/v3/objects/contacts?limit=500&properties=email${after ? `&after=${after}` : ""}`)
        assert.isAtMost(page.body.results.length, 100)
        seen.push(...page.body.results.map((c: any) => c.id))
        after = page.body.paging?.next.after
      } while (after !== undefined)
      assert.deepStrictEqual(seen, fake.contacts().map((c) => c.id))
      fake.dataset.archive([5, 77])
      const archived = yield* get("/crm/v3/objects/contacts?archived=true")
      assert.deepStrictEqual(archived.body.results.map((c: any) => [c.id, c.archived, typeof c.archivedAt]), [
        [Dataset.idOf(5), true, "string"],
        [Dataset.idOf(77), true, "string"]
      ])
      const live = yield* get("/crm/v3/objects/contacts?limit=100")
      assert.isFalse(live.body.results.some((c: any) => c.archived))
    }))
})
