import { Http } from "@autoimport/connector-kit"
import { driveClock, layerPull, serveFake } from "@autoimport/connector-kit/testing"
import type { SourceContact, SourceRecord } from "@autoimport/core/Domain"
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Chunk from "effect/Chunk"
import * as TestClock from "effect/TestClock"
import { accountKey, type Config, type Cursor, GoogleContacts, Settings } from "../src/index.js"
import { makeGoogleFake } from "../src/fake/index.js"
import { caughtUp, lastCursor, pullPages, records, settingsFor } from "./helpers.js"

const ids = (list: ReadonlyArray<SourceRecord>) => list.map((r) => r.externalId as string)
const contacts = (list: ReadonlyArray<SourceRecord>) => list.filter((r): r is SourceContact => r._tag === "SourceContact")
const fast = Effect.provideService(Http.RetrySchedule, Schedule.recurs(2))

layer(layerPull)("Google Contacts pull", (it) => {
  it.scoped("a full pull delivers exactly the fake's people, page by page, and ends with a sync token", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 11, size: 250 })
      const { url } = yield* serveFake(fake.handlers)
      const pages = yield* pullPages(fake, url, { pageSize: 40 })
      assert.strictEqual(pages.length, 7)
      assert.deepStrictEqual(records(pages), [...fake.expected()])
      assert.isTrue(caughtUp(lastCursor(pages)))
      assert.isString(lastCursor(pages).syncToken)
      assert.strictEqual(fake.counts.connections, 7)
      assert.strictEqual(fake.counts.token, 1, "one access token for the whole pull")
      // The seeded data has the awkward cases the engine must handle.
      const emails = contacts(records(pages)).map((c) => c.email)
      assert.isTrue(emails.some((e) => e === null), "missing emails")
      assert.isTrue(emails.some((e) => e !== null && e !== e.trim()), "padded emails")
      assert.isTrue(emails.some((e) => e !== null && !e.includes("@example.") && !e.includes(".example.")), "invalid emails")
    }))

  it.scoped("budget cuts inside pages: successive syncs deliver everyone exactly once", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 12, size: 103 })
      const { url } = yield* serveFake(fake.handlers)
      for (const budget of [1, 7, 10, 33]) {
        let cursor: Cursor | undefined
        const seen: Array<string> = []
        for (let sync = 0; sync < 200 && !(cursor && caughtUp(cursor)); sync++) {
          const pages = yield* pullPages(fake, url, { cursor, budget, pageSize: 10 })
          assert.isAtMost(records(pages).length, budget)
          seen.push(...ids(records(pages)))
          cursor = lastCursor(pages)
        }
        assert.deepStrictEqual(seen, ids([...fake.expected()]), `budget ${budget}`)
      }
    }))

  it.scoped("resuming inside a page whose people moved loses no one", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 13, size: 30 })
      const { url } = yield* serveFake(fake.handlers)
      const first = yield* pullPages(fake, url, { budget: 5, pageSize: 10 })
      const delivered = ids(records(first))
      assert.strictEqual(lastCursor(first).after, delivered[4])
      // The first person of the page is edited: it leaves the page, the rest shift up by one.
      fake.dataset.edit(delivered[0]!)
      let cursor = lastCursor(first)
      const rest: Array<string> = []
      for (let sync = 0; sync < 20 && !caughtUp(cursor); sync++) {
        const pages = yield* pullPages(fake, url, { cursor, budget: 5, pageSize: 10 })
        rest.push(...ids(records(pages)))
        cursor = lastCursor(pages)
      }
      const all = new Set([...delivered, ...rest])
      assert.deepStrictEqual([...all].sort(), ids([...fake.expected()]).sort())
      assert.deepStrictEqual(rest.slice(0, 5), ids([...fake.expected()]).slice(4, 9), "continues right after the last delivered person")
    }))

  it.scoped("incremental: edits, deletions, re-keys and additions since the sync token; nothing when nothing changed", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 14, size: 60 })
      const { url } = yield* serveFake(fake.handlers)
      const full = yield* pullPages(fake, url, { pageSize: 25 })
      const [a, b, c] = ids(records(full))
      const edited = fake.dataset.edit(a!, { company: "Difference Engines plc" })
      fake.dataset.remove(b!)
      const rekeyed = fake.dataset.rekey(c!)
      const added = fake.dataset.add({ email: "new.person@example.com" })
      const changes = yield* pullPages(fake, url, { cursor: lastCursor(full), pageSize: 2 })
      const got = records(changes)
      assert.deepStrictEqual(ids(got), [a, b, rekeyed.resourceName, added.resourceName])
      assert.strictEqual(got[1]!._tag, "SourceDeletion")
      const [editedRecord, , rekeyedRecord, addedRecord] = got as Array<SourceContact>
      assert.strictEqual(editedRecord!.fields.company, "Difference Engines plc")
      assert.strictEqual(editedRecord!.email, edited.email)
      assert.deepStrictEqual(rekeyedRecord!.previousExternalIds as ReadonlyArray<string> | undefined, [c!])
      assert.strictEqual(addedRecord!.email, "new.person@example.com")
      assert.isTrue(caughtUp(lastCursor(changes)))
      assert.notStrictEqual(lastCursor(changes).syncToken, lastCursor(full).syncToken)

      const quiet = yield* pullPages(fake, url, { cursor: lastCursor(changes) })
      assert.strictEqual(records(quiet).length, 0)
      assert.strictEqual(quiet.length, 1, "an empty page still commits the new sync token")
      assert.isTrue(caughtUp(lastCursor(quiet)))
    }))

  it.scoped("changes made during a full sync are replayed by the next incremental one", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 15, size: 40 })
      const { url } = yield* serveFake(fake.handlers)
      const first = yield* pullPages(fake, url, { budget: 10, pageSize: 10 })
      const target = [...fake.expected()][35]!.externalId
      fake.dataset.edit(target, { notes: "changed while the full sync ran" })
      let cursor = lastCursor(first)
      for (let sync = 0; sync < 20 && !caughtUp(cursor); sync++) {
        cursor = lastCursor(yield* pullPages(fake, url, { cursor, budget: 10, pageSize: 10 }))
      }
      const next = records(yield* pullPages(fake, url, { cursor }))
      assert.deepStrictEqual(ids(next), [target])
      assert.strictEqual((next[0] as SourceContact).fields.notes, "changed while the full sync ran")
    }))

  it.scoped("only members of the contact group are delivered; an unknown group is InvalidConfig", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 16, size: 120 })
      const { url } = yield* serveFake(fake.handlers)
      const friends = records(yield* pullPages(fake, url, { config: { contactGroup: "friends" }, pageSize: 50 }))
      const expected = [...fake.expected({ contactGroup: "friends" })]
      assert.isAbove(expected.length, 10)
      assert.isBelow(expected.length, 120)
      assert.deepStrictEqual(friends, expected)
      const byResourceName = records(yield* pullPages(fake, url, { config: { contactGroup: "contactGroups/friends" } }))
      assert.deepStrictEqual(ids(byResourceName), ids(expected))
      const error = yield* Effect.flip(pullPages(fake, url, { config: { contactGroup: "frends" } }))
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "contactGroups/frends")
    }))

  it.scoped("an expired sync token is CursorExpired", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 17, size: 20 })
      const { url } = yield* serveFake(fake.handlers)
      const full = yield* pullPages(fake, url)
      fake.faults.expireCursors()
      const error = yield* Effect.flip(pullPages(fake, url, { cursor: lastCursor(full) }))
      assert.strictEqual(error._tag, "CursorExpired")
      assert.include(error.message, "Sync token is expired")
      // The engine's recovery, a full sync without the token, works.
      assert.strictEqual(records(yield* pullPages(fake, url)).length, 20)
    }))

  it.scoped("a revoked grant is AuthRevoked, without retrying", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 18, size: 5 })
      const { url } = yield* serveFake(fake.handlers)
      fake.faults.revokeRefreshTokens()
      const error = yield* Effect.flip(pullPages(fake, url).pipe(fast))
      assert.strictEqual(error._tag, "AuthRevoked")
      assert.include(error.message, "invalid_grant")
      assert.strictEqual(fake.counts.token, 1)
      assert.strictEqual(fake.counts.connections, 0)
    }))

  it.scoped("an access token that expires mid-pull is refreshed once and the pull goes on", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 19, size: 30 })
      const { url } = yield* serveFake(fake.handlers)
      const pages = yield* GoogleContacts.pull({
        settings: settingsFor(fake, url, 10),
        config: fake.credentials,
        cursor: Option.none(),
        budget: 1000,
        saveConfig: () => Effect.void
      }).pipe(
        Stream.tap((page) => Effect.sync(() => page.records.length > 0 && fake.counts.connections === 1 && fake.faults.expireAccessTokens())),
        Stream.runCollect
      )
      assert.strictEqual(records(Chunk.toReadonlyArray(pages)).length, 30)
      assert.strictEqual(fake.counts.token, 2)
      assert.strictEqual(fake.counts.connections, 4, "three pages and one rejected call")
    }))

  it.scoped("a rotated refresh token is saved to the import config", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 20, size: 5, rotateRefreshTokens: true })
      const { url } = yield* serveFake(fake.handlers)
      const saved: Array<Config> = []
      yield* pullPages(fake, url, { saved })
      assert.strictEqual(saved.length, 1)
      assert.strictEqual(Redacted.value(saved[0]!.refreshToken), fake.refreshToken())
      assert.notStrictEqual(fake.refreshToken(), Redacted.value(fake.credentials.refreshToken))
    }))

  it.scoped("429 and 503 are retried; when they persist the pull ends with RateLimited / ServiceUnavailable", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 21, size: 10 })
      const { url } = yield* serveFake(fake.handlers)
      fake.faults.failNext(1, 503).rateLimitNext(1)
      assert.strictEqual(records(yield* pullPages(fake, url).pipe(fast)).length, 10)
      fake.faults.failNext(3, 503)
      const unavailable = yield* Effect.flip(pullPages(fake, url).pipe(fast))
      assert.strictEqual(unavailable._tag, "ServiceUnavailable")
      fake.faults.rateLimitNext(3)
      const limited = yield* Effect.flip(pullPages(fake, url).pipe(fast))
      assert.strictEqual(limited._tag, "RateLimited")
      fake.faults.rateLimitNext(1, 3600)
      const long = yield* Effect.flip(pullPages(fake, url).pipe(fast))
      assert.deepStrictEqual(long._tag === "RateLimited" && long.retryAfterMillis, 3_600_000)
    }))

  it.scoped("requests draw from the account's budget (requestsPerMinute), waiting on the clock", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 24, size: 100 })
      const { url } = yield* serveFake(fake.handlers)
      const settings = Schema.decodeSync(Settings)({ ...fake.settings(url), pageSize: 10, requestsPerMinute: 60 })
      const pull = GoogleContacts.pull({ settings, config: fake.credentials, cursor: Option.none(), budget: 1000, saveConfig: () => Effect.void })
      const pages = yield* driveClock(Stream.runCollect(pull))
      assert.strictEqual(Chunk.size(pages), 10)
      // 60/min = a burst of 6, then one request per second: the last 4 pages wait about 4 s.
      const elapsed = yield* TestClock.currentTimeMillis
      assert.isAtLeast(elapsed, 3_900)
      assert.isBelow(elapsed, 6_000)
    }))

  it.scoped("a truncated or reshaped body is MalformedResponse", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 22, size: 10 })
      const { url } = yield* serveFake(fake.handlers)
      fake.faults.malformNext(1, "truncated")
      const truncated = yield* Effect.flip(pullPages(fake, url))
      assert.strictEqual(truncated._tag, "MalformedResponse")
      assert.include(truncated.message, "connections page (full sync): the body is not JSON")
      fake.faults.malformNext(1, "wrong-shape")
      const reshaped = yield* Effect.flip(pullPages(fake, url))
      assert.strictEqual(reshaped._tag, "MalformedResponse")
      assert.include(reshaped.message, "connections")
    }))

  it.scoped("a million people: pages deep in the listing come without building the rest", () =>
    Effect.gen(function*() {
      const fake = makeGoogleFake({ seed: 23, size: 1_000_000 })
      const { url } = yield* serveFake(fake.handlers)
      const pages = yield* pullPages(fake, url, { budget: 2_500, pageSize: 1000 })
      assert.strictEqual(records(pages).length, 2_500)
      assert.strictEqual(lastCursor(pages).after, records(pages)[2_499]!.externalId)
      const deep = fake.dataset.fullPage(999_000, 1000)
      assert.strictEqual(deep.people.length, 1000)
      assert.isUndefined(deep.next)
    }))
})

layer(layerPull)("Google Contacts connector definition", (it) => {
  it("settings have defaults and bounds", () => {
    const settings = Schema.decodeUnknownSync(Settings)({})
    assert.deepStrictEqual(settings, {
      baseUrl: "https://people.googleapis.com",
      authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      tokenUrl: "https://oauth2.googleapis.com/token",
      pageSize: 100,
      requestsPerMinute: 90
    })
    assert.throws(() => Schema.decodeUnknownSync(Settings)({ pageSize: 1001 }))
    assert.throws(() => Schema.decodeUnknownSync(Settings)({ baseUrl: "people.googleapis.com" }), /expected an http\(s\) URL/)
  })

  it("the account key identifies the grant without revealing it", () => {
    const config = { clientId: "id", clientSecret: Redacted.make("s"), refreshToken: Redacted.make("r1") }
    const key = accountKey(config)
    assert.match(key, /^google-contacts:[0-9a-f]{16}$/)
    assert.strictEqual(accountKey({ ...config, clientSecret: Redacted.make("other") }), key)
    assert.notStrictEqual(accountKey({ ...config, refreshToken: Redacted.make("r2") }), key)
    assert.strictEqual(GoogleContacts.id, "google-contacts")
    assert.deepStrictEqual(GoogleContacts.fields.map((f) => f.label), ["Company", "Job Title", "Department", "Birthday", "Address", "City", "Country", "Notes"])
  })
})
