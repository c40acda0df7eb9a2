import { Http } from "@autoimport/connector-kit"
import { assert, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { connector } from "../src/index.js"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { http, HttpResponse } from "msw"
import * as Schema from "effect/Schema"
import * as Fake from "../src/fake/index.js"
import { Config } from "../src/Schemas.js"
import { ids, layerPull, pull, queries, setup } from "./helpers.js"

const refreshTokenOf = (config: Config) => "refreshToken" in config.credentials ? Redacted.value(config.credentials.refreshToken) : undefined

layer(layerPull)("Shopify credentials and failures", (it) => {
  it.scoped("the rotated refresh token reaches saveConfig before the new access token is used", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 21, size: 120 }, { settings: { pageSize: 50 } })
      const log: Array<string> = []
      const saveConfig = (config: Config) =>
        Effect.sync(() => {
          log.push(`saved ${refreshTokenOf(config)}`)
          env.config = config
        })
      let logged = 0
      const record = () => {
        for (const event of env.shop.events.slice(logged)) {
          log.push(event._tag === "Refresh" ? `refresh ${event.refreshToken} -> ${event.rotatedTo}` : event._tag.toLowerCase())
        }
        logged = env.shop.events.length
      }
      const first = refreshTokenOf(env.config)
      // Record the shop's events as they happen, interleaved with saveConfig.
      const tracked = (config: Config) => Effect.zipRight(Effect.sync(record), saveConfig(config))
      const pages = yield* pull(env, { saveConfig: tracked })
      record()
      assert.strictEqual(ids(pages).length, 120)
      const [refresh, saved, ...rest] = log
      const rotated = refresh!.split(" -> ")[1]!
      assert.strictEqual(refresh, `refresh ${first} -> ${rotated}`)
      assert.strictEqual(saved, `saved ${rotated}`)
      assert.deepStrictEqual(rest, ["query", "query", "query"])

      // An access token that stops working: refreshed once with the saved token, rotated again.
      env.shop.faults.expireAccessTokens()
      log.length = 0
      const again = yield* pull(env, { saveConfig: tracked })
      record()
      assert.strictEqual(ids(again).length, 120)
      assert.strictEqual(log[0], `refresh ${rotated} -> ${log[0]!.split(" -> ")[1]}`)
      assert.strictEqual(log[1], `saved ${log[0]!.split(" -> ")[1]}`)
    }))

  it.scoped("an access token that expires mid-pull: 401, refreshed once, and the pull goes on", () =>
    Effect.gen(function*() {
      const clock = { now: 0 }
      const env = yield* setup({ seed: 22, size: 120, now: () => clock.now }, { settings: { pageSize: 50 } })
      const pages = yield* connector.pull({
        settings: env.settings,
        config: env.config,
        cursor: Option.none(),
        budget: 1000,
        saveConfig: (config) => Effect.sync(() => void (env.config = config))
      }).pipe(
        // After the first page the shop is an hour older: its access token has expired.
        Stream.tap(() => Effect.sync(() => void (clock.now += 3_601_000))),
        Stream.runCollect,
        Effect.map(Chunk.toReadonlyArray)
      )
      assert.strictEqual(ids(pages).length, 120)
      assert.deepStrictEqual(env.shop.events.map((e) => e._tag), ["Refresh", "Query", "Refresh", "Query", "Refresh", "Query"])
    }))

  it.scoped("revoked refresh token: AuthRevoked, no query sent", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 23, size: 10 })
      env.shop.faults.revokeRefreshTokens()
      const error = yield* Effect.flip(pull(env))
      assert.strictEqual(error._tag, "AuthRevoked")
      assert.include(error.message, "invalid_grant")
      assert.strictEqual(queries(env.shop), 0)
    }))

  it.scoped("a refresh token replaced by a used successor is dead: AuthRevoked", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 24, size: 10 })
      const stale = env.config
      yield* pull(env) // rotates: stale → r2 (saved)
      yield* pull(env) // uses r2: stale is now dead
      const error = yield* Effect.flip(pull({ ...env, config: stale }))
      assert.strictEqual(error._tag, "AuthRevoked")
    }))

  it.scoped("missing read_customers scope (ACCESS_DENIED): AuthRevoked with Shopify's message", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 25, size: 10, scope: "read_orders" })
      const error = yield* Effect.flip(pull(env))
      assert.strictEqual(error._tag, "AuthRevoked")
      assert.include(error.message, "read_customers")
    }))

  it.scoped("malformed bodies (cut short, wrong shape): MalformedResponse", () =>
    Effect.gen(function*() {
      for (const how of ["truncated", "wrong-shape"] as const) {
        const env = yield* setup({ seed: 26, size: 10 })
        env.shop.faults.malformNext(1, how)
        const error = yield* Effect.flip(pull(env))
        assert.strictEqual(error._tag, "MalformedResponse", how)
        assert.include(error.message, "customers page")
      }
    }))

  it.scoped("5xx is retried; when it persists, ServiceUnavailable", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 27, size: 10 })
      const retry = Effect.provideService(Http.RetrySchedule, Schedule.recurs(2))
      env.shop.faults.failNext(2, 502)
      assert.strictEqual(ids(yield* retry(pull(env))).length, 10)
      env.shop.faults.failNext(3, 503)
      const error = yield* Effect.flip(retry(pull(env)))
      assert.strictEqual(error._tag, "ServiceUnavailable")
    }))

  it.scoped("HTTP statuses of the shop: 404 is InvalidConfig (no such shop), 402/423 ServiceUnavailable", () =>
    Effect.gen(function*() {
      for (const [status, tag] of [[404, "InvalidConfig"], [402, "ServiceUnavailable"], [423, "ServiceUnavailable"]] as const) {
        const env = yield* setup({ seed: 28, size: 5 }, {
          before: () => [http.post("*/admin/api/:version/graphql.json", () => HttpResponse.json({ errors: "Not Found" }, { status }))]
        })
        const error = yield* Effect.flip(pull(env))
        assert.strictEqual(error._tag, tag, `HTTP ${status}`)
      }
    }))

  it.scoped("customers served against UPDATED_AT order stop the run loudly instead of risking a lossy cursor", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 29, size: 20, sameTimestampRun: 7 }, {
        // Customer 10 was updated a minute after customer 0, but comes first.
        before: (shop) => [http.post("*/admin/api/:version/graphql.json", () =>
          HttpResponse.json({
            data: { customers: { pageInfo: { hasNextPage: false, endCursor: null }, nodes: [shop.dataset.customer(10), shop.dataset.customer(0)] } }
          }))]
      })
      const exit = yield* Effect.exit(pull(env))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
      assert.include(String(Cause.squash((exit as Exit.Failure<unknown, unknown>).cause)), "not in UPDATED_AT order")
    }))

  it.scoped("a non-expiring access token (custom apps): used as is; once rejected, AuthRevoked", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 30, size: 40 })
      const installed = yield* Effect.promise(() =>
        fetch(`${env.url}/admin/oauth/access_token`, {
          method: "POST",
          body: new URLSearchParams({ client_id: Fake.clientId, client_secret: Fake.clientSecret, code: env.shop.authorizationCode() })
        }).then((r) => r.json() as Promise<{ access_token: string }>)
      )
      env.config = Schema.decodeUnknownSync(Config)({ shop: env.config.shop, credentials: { accessToken: installed.access_token } })
      assert.strictEqual(ids(yield* pull(env)).length, 40)
      assert.isFalse(env.shop.events.some((e) => e._tag === "Refresh"))
      env.shop.faults.expireAccessTokens()
      const error = yield* Effect.flip(pull(env))
      assert.strictEqual(error._tag, "AuthRevoked")
    }))
})
