import { serveFake } from "@autoimport/connector-kit/testing"
import { assert, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { readFileSync } from "node:fs"
import { personFields } from "../src/index.js"
import { makeGoogleFake } from "../src/fake/index.js"

/** Plain HTTP against the fake, to pin down the API behaviour the connector relies on. */
const client = (url: string, accessToken: string) => (path: string) =>
  Effect.promise(async () => {
    const response = await fetch(url + path, { headers: { authorization: `Bearer ${accessToken}` } })
    return { status: response.status, body: await response.json() as any }
  })

const setup = (options: Parameters<typeof makeGoogleFake>[0] = {}) =>
  Effect.gen(function*() {
    const fake = makeGoogleFake({ seed: 3, size: 25, ...options })
    const { url } = yield* serveFake(fake.handlers)
    const token = yield* Effect.promise(async () => {
      const response = await fetch(`${url}/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "refresh_token",
          refresh_token: Redacted.value(fake.credentials.refreshToken),
          client_id: fake.credentials.clientId,
          client_secret: Redacted.value(fake.credentials.clientSecret)
        })
      })
      return (await response.json() as any).access_token as string
    })
    return { fake, url, get: client(url, token) }
  })

const list = `/v1/people/me/connections?personFields=${personFields}&pageSize=10`

it.scoped("the fake rejects what Google rejects", () =>
  Effect.gen(function*() {
    const { get, url } = yield* setup()
    const noMask = yield* get("/v1/people/me/connections")
    assert.strictEqual(noMask.status, 400)
    assert.include(noMask.body.error.message, "personFields mask is required")
    const tooLarge = yield* get(`/v1/people/me/connections?personFields=names&pageSize=1001`)
    assert.strictEqual(tooLarge.status, 400)
    assert.deepStrictEqual(tooLarge.body, JSON.parse(readFileSync(new URL("./fixtures/error-page-size-too-large.json", import.meta.url), "utf8")))
    const other = yield* get(`/v1/people/someone/connections?personFields=names`)
    assert.strictEqual(other.status, 400)
    const first = yield* get(list)
    const changed = yield* get(`/v1/people/me/connections?personFields=names&pageSize=10&pageToken=${first.body.nextPageToken}`)
    assert.strictEqual(changed.status, 400, "page calls must repeat the first call's parameters")
    const anonymous = yield* client(url, "nope")(list)
    assert.strictEqual(anonymous.status, 401)
    assert.strictEqual(anonymous.body.error.status, "UNAUTHENTICATED")
  }))

it.scoped("nextSyncToken only on the last page and only when requested; pageSize defaults to 100", () =>
  Effect.gen(function*() {
    const { get } = yield* setup()
    const without = yield* get(`/v1/people/me/connections?personFields=names`)
    assert.strictEqual(without.body.connections.length, 25)
    assert.isUndefined(without.body.nextSyncToken)
    const first = yield* get(`${list}&requestSyncToken=true`)
    assert.isString(first.body.nextPageToken)
    assert.isUndefined(first.body.nextSyncToken)
    let page = first
    while (page.body.nextPageToken) page = yield* get(`${list}&requestSyncToken=true&pageToken=${page.body.nextPageToken}`)
    assert.isString(page.body.nextSyncToken)
  }))

it.scoped("people have exactly one primary item per field, only the requested fields, and tombstones in sync responses", () =>
  Effect.gen(function*() {
    const { fake, get } = yield* setup({ size: 60 })
    const all = (yield* get(`/v1/people/me/connections?personFields=${personFields}&pageSize=1000&requestSyncToken=true`)).body
    for (const person of all.connections) {
      for (const field of ["names", "emailAddresses", "phoneNumbers", "organizations", "addresses"]) {
        if (person[field]) assert.strictEqual(person[field].filter((i: any) => i.metadata.primary).length, 1, `${person.resourceName} ${field}`)
      }
    }
    assert.isTrue(all.connections.some((p: any) => p.metadata.sources.length === 2), "some people have two sources")
    const names = (yield* get(`/v1/people/me/connections?personFields=names&pageSize=5`)).body
    assert.deepStrictEqual(Object.keys(names.connections[0]).sort(), ["etag", "names", "resourceName"])
    const gone = all.connections[0].resourceName
    fake.dataset.remove(gone)
    const changes = (yield* get(`/v1/people/me/connections?personFields=${personFields}&pageSize=1000&requestSyncToken=true&syncToken=${all.nextSyncToken}`)).body
    assert.deepStrictEqual(changes.connections.map((p: any) => [p.resourceName, p.metadata.deleted]), [[gone, true]])
  }))

it.scoped("the same seed gives the same people; access tokens expire with expires_in", () =>
  Effect.gen(function*() {
    const a = [...makeGoogleFake({ seed: 9, size: 50 }).expected()]
    const b = [...makeGoogleFake({ seed: 9, size: 50 }).expected()]
    assert.deepStrictEqual(a, b)
    assert.notDeepEqual(a, [...makeGoogleFake({ seed: 10, size: 50 }).expected()])
    const { get } = yield* setup({ accessTokenTtlSeconds: 0 })
    assert.strictEqual((yield* get(list)).status, 401)
  }))
