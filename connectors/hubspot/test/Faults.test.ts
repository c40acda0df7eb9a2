import { driveClock, layerPull, serveFake } from "@autoimport/connector-kit/testing"
import { Http } from "@autoimport/connector-kit"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { makeHubSpotFake } from "../src/fake/index.js"
import { Config, type Config as ConfigType, HubSpot } from "../src/index.js"
import * as Stream from "effect/Stream"
import { oauthConfig, pull, settingsFor, until } from "./helpers.js"

const serve = (options: Parameters<typeof makeHubSpotFake>[0]) =>
  Effect.gen(function*() {
    const fake = makeHubSpotFake(options)
    const { url } = yield* serveFake(fake.handlers)
    return { fake, url, settings: settingsFor(url), config: oauthConfig(fake) }
  })

const fewRetries = Effect.provideService(Http.RetrySchedule, Schedule.recurs(2))

layer(layerPull)("HubSpot faults", (it) => {
  it.scoped("a 429 without Retry-After waits HubSpot's 1 s (secondly limit) on the test clock, then continues", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 11, size: 10 })
      fake.faults.rateLimitNext(1)
      // One page: no limiter spacing, so the only wait is the 429's.
      const fiber = yield* Effect.fork(
        HubSpot.pull({ settings, config, cursor: Option.none(), budget: 100, saveConfig: () => Effect.void }).pipe(Stream.runCollect)
      )
      yield* until(() => fake.faults.requests === 1)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      yield* TestClock.adjust("999 millis")
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 20)))
      assert.strictEqual(fake.faults.requests, 1, "no retry before the second is over")
      yield* TestClock.adjust("1 millis")
      const pages = yield* Fiber.join(fiber)
      assert.strictEqual([...pages].flatMap((p) => p.records).length, 10)
      assert.strictEqual(fake.faults.requests, 2)
    }))

  it.scoped("a 429 that persists ends the pull with RateLimited", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 12, size: 10 })
      fake.faults.rateLimitNext(10)
      const error = yield* Effect.flip(fewRetries(pull({ settings, config })))
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(fake.faults.requests, 3)
    }))

  it.scoped("5xx is retried and the pull completes", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 13, size: 50 })
      fake.faults.failNext(2, 502)
      const { records } = yield* pull({ settings, config })
      assert.strictEqual(records.length, 50)
      assert.strictEqual(fake.faults.faulted, 2)
    }))

  it.scoped("searches are spaced by the account's search limit (TestClock)", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 14, size: 100, contactsPerSecond: 1 })
      const { records } = yield* pull({ settings: { ...settings, pageSize: 10, searchRequestsPerSecond: 4 }, config })
      assert.strictEqual(records.length, 100)
      const searches = fake.searches.length
      assert.isAtLeast(searches, 11)
      // One request at once, then 4 per second: the clock moved at least (searches − 1) / 4 s.
      const elapsed = yield* TestClock.currentTimeMillis
      assert.isAtLeast(elapsed, ((searches - 1) / 4) * 1000)
    }))

  it.scoped("an access token that expires mid-pull is refreshed once and the pull goes on", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 15, size: 60 })
      const pages = yield* HubSpot.pull({ settings, config, cursor: Option.none(), budget: 1000, saveConfig: () => Effect.void }).pipe(
        // Pages are fetched one at a time, so this runs between the first search and the second.
        Stream.tap(() => Effect.sync(() => fake.faults.accessTokenEpoch === 0 && fake.faults.expireAccessTokens())),
        Stream.runCollect,
        driveClock
      )
      assert.strictEqual([...pages].flatMap((p) => p.records).length, 60)
      assert.strictEqual(fake.tokensIssued, 2)
    }))

  it.scoped("a rotated refresh token is saved before it is used", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 16, size: 5, rotateRefreshTokens: true })
      const saved: Array<ConfigType> = []
      yield* pull({ settings, config, saveConfig: (c) => Effect.sync(() => saved.push(c)) })
      assert.strictEqual(saved.length, 1)
      const credentials = saved[0]!.credentials
      assert.strictEqual(credentials._tag, "oauth")
      assert.strictEqual(credentials._tag === "oauth" && Redacted.value(credentials.refreshToken), fake.refreshToken)
      assert.notStrictEqual(fake.refreshToken, "fake-refresh-token")
    }))

  it.scoped("the v3 token endpoint's camelCase answer is accepted", () =>
    Effect.gen(function*() {
      const { config, fake, url } = yield* serve({ seed: 17, size: 8 })
      const { records } = yield* pull({ settings: settingsFor(url, { tokenUrl: `${url}/oauth/v3/token` }), config })
      assert.strictEqual(records.length, 8)
      assert.strictEqual(fake.searches.length, 1)
    }))

  for (const revokedBody of ["standard", "legacy"] as const) {
    it.scoped(`a revoked refresh token (${revokedBody} body) ends the pull with AuthRevoked`, () =>
      Effect.gen(function*() {
        const { config, fake, settings } = yield* serve({ seed: 18, size: 8, revokedBody })
        fake.faults.revokeRefreshTokens()
        const error = yield* Effect.flip(pull({ settings, config }))
        assert.strictEqual(error._tag, "AuthRevoked")
        assert.include(error.message, "invalid_grant")
        assert.strictEqual(fake.searches.length, 0)
      }))
  }

  it.scoped("tokens expired and the grant revoked mid-way: AuthRevoked, not a retry loop", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 19, size: 8 })
      const first = yield* pull({ settings, config, budget: 3 })
      fake.faults.revokeRefreshTokens().expireAccessTokens()
      const error = yield* Effect.flip(pull({ settings, config, cursor: first.cursor }))
      assert.strictEqual(error._tag, "AuthRevoked")
    }))

  it.scoped("a private app token is sent as is; a wrong one is AuthRevoked", () =>
    Effect.gen(function*() {
      const { fake, settings } = yield* serve({ seed: 20, size: 12, privateAppToken: "pat-na1-fake" })
      const good = Schema.decodeUnknownSync(Config)({ credentials: { _tag: "private-app", accessToken: "pat-na1-fake" } })
      const { records } = yield* pull({ settings, config: good })
      assert.strictEqual(records.length, 12)
      const bad = Schema.decodeUnknownSync(Config)({ credentials: { _tag: "private-app", accessToken: "pat-na1-wrong" } })
      const error = yield* Effect.flip(pull({ settings, config: bad }))
      assert.strictEqual(error._tag, "AuthRevoked")
      assert.include(error.message, "INVALID_AUTHENTICATION")
      assert.strictEqual(fake.tokensIssued, 0)
    }))

  it.scoped("a grant without the contacts scope (403 MISSING_SCOPES) is AuthRevoked: the user must reconnect", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 23, size: 8, scopes: ["oauth"] })
      const error = yield* Effect.flip(pull({ settings, config }))
      assert.strictEqual(error._tag, "AuthRevoked")
      assert.include(error.message, "MISSING_SCOPES")
      // One refresh and one retry, then the answer is believed.
      assert.strictEqual(fake.tokensIssued, 2)
    }))

  for (const how of ["truncated", "wrong-shape"] as const) {
    it.scoped(`a malformed search answer (${how}) is MalformedResponse`, () =>
      Effect.gen(function*() {
        const { config, fake, settings } = yield* serve({ seed: 21, size: 8 })
        fake.faults.malformNext(1, how)
        const error = yield* Effect.flip(pull({ settings, config }))
        assert.strictEqual(error._tag, "MalformedResponse")
        assert.include(error.message, "contacts search page")
      }))
  }

  it.scoped("a search HubSpot rejects (HTTP 400, recorded body) is InvalidConfig naming HubSpot's message", () =>
    Effect.gen(function*() {
      const { fake, settings } = yield* serve({ seed: 22, size: 8 })
      const config = oauthConfig(fake)
      const error = yield* Effect.flip(pull({ settings: { ...settings, contactsPath: "/crm/v3/objects/butterflies" }, config }))
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "Unable to infer object type from: butterflies")
    }))
})

describe("HubSpot search limit, in real time", () => {
  const livePull = (fakeLimit: number, connectorRate: number) =>
    Effect.gen(function*() {
      const fake = makeHubSpotFake({ seed: 24, size: 60, contactsPerSecond: 1, searchRequestsPerSecond: fakeLimit })
      const { url } = yield* serveFake(fake.handlers)
      const pages = yield* HubSpot.pull({
        settings: settingsFor(url, { pageSize: 10, searchRequestsPerSecond: connectorRate }),
        config: oauthConfig(fake),
        cursor: Option.none(),
        budget: 1000,
        saveConfig: () => Effect.void
      }).pipe(Stream.runCollect)
      return { fake, records: [...pages].flatMap((page) => page.records) }
    }).pipe(Effect.scoped, Effect.provide(layerPull))

  it.live("the default pacing stays under HubSpot's 5 searches/s; a faster client is throttled, waits the 1 s fallback and completes", () =>
    Effect.gen(function*() {
      const paced = yield* livePull(5, 4)
      assert.strictEqual(paced.records.length, 60)
      assert.isAtLeast(paced.fake.searches.length, 6)
      assert.strictEqual(paced.fake.secondlyRejections, 0)
      const eager = yield* livePull(5, 1000)
      assert.strictEqual(eager.records.length, 60)
      assert.isAbove(eager.fake.secondlyRejections, 0)
    }), 30_000)
})
