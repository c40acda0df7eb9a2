import { Http } from "@autoimport/connector-kit"
import { driveClock } from "@autoimport/connector-kit/testing"
import { assert, layer } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import type * as Fake from "../src/fake/index.js"
import { ids, layerPull, pull, queries, setup } from "./helpers.js"

const bucket = { maximumAvailable: 1000, restoreRate: 50 }

/** A shop whose bucket refills on the test's clock, which `driveClock` moves whenever the pull waits. */
const onTestClock = (options: Omit<Fake.ShopifyFakeOptions, "now">, overrides?: Parameters<typeof setup>[1]) =>
  Effect.gen(function*() {
    const clock = yield* TestClock.testClock()
    return yield* setup({ bucket, ...options, now: () => clock.unsafeCurrentTimeMillis() }, overrides)
  })

/** Runs `self` with the clock driven, returning its result and the virtual time it took. */
const timed = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  Effect.gen(function*() {
    const start = yield* Clock.currentTimeMillis
    const result = yield* driveClock(self, "100 millis")
    return { result, millis: (yield* Clock.currentTimeMillis) - start }
  })

const throttled = (shop: Fake.ShopifyFake) => shop.events.filter((e) => e._tag === "Throttled").length

layer(layerPull)("Shopify query cost", (it) => {
  it.scoped("THROTTLED: waits for the restore rate to refill what the query needs, then succeeds", () =>
    Effect.gen(function*() {
      const env = yield* onTestClock({ seed: 11, size: 80 }, { settings: { costBucket: bucket } })
      env.shop.setAvailable(100)
      const { millis, result } = yield* timed(pull(env))
      assert.strictEqual(ids(result).length, 80)
      // One THROTTLED answer: the retry came only once 502 points were back (100 + 8.04 s × 50)...
      assert.strictEqual(throttled(env.shop), 1)
      assert.strictEqual(queries(env.shop), 2)
      // ...and not much later: a wait computed from the bucket, not a blind backoff.
      assert.isAtLeast(millis, 8_040)
      assert.isBelow(millis, 8_500)
    }))

  it.scoped("the bucket reported by a successful answer is honoured before the next query", () =>
    Effect.gen(function*() {
      const env = yield* onTestClock({ seed: 12, size: 150 })
      env.shop.setAvailable(600)
      const { millis, result } = yield* timed(pull(env))
      assert.strictEqual(ids(result).length, 150)
      // The first page left 600 - 502 = 98 points; the second waited (502 - 98) / 50 = 8.08 s
      // instead of coming back THROTTLED.
      assert.strictEqual(throttled(env.shop), 0)
      assert.isAtLeast(millis, 8_080)
      assert.isBelow(millis, 8_500)
    }))

  it.scoped("THROTTLED that persists: the run stops with RateLimited after a few refills", () =>
    Effect.gen(function*() {
      // The shop's clock stands still, so its bucket never refills (another app drains it).
      const env = yield* setup({ seed: 13, size: 10, bucket, now: () => 0 })
      env.shop.setAvailable(0)
      const error = yield* Effect.flip(driveClock(pull(env), "1 second"))
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(throttled(env.shop), 6)
    }))

  it.scoped("THROTTLED on HTTP 429 (the status is unconfirmed): retried like any 429", () =>
    Effect.gen(function*() {
      const env = yield* onTestClock({ seed: 14, size: 30, throttledStatus: 429 })
      env.shop.setAvailable(0)
      const { result } = yield* timed(pull(env).pipe(Effect.provideService(Http.RetrySchedule, Schedule.spaced("15 seconds"))))
      assert.strictEqual(ids(result).length, 30)
      assert.strictEqual(throttled(env.shop), 1)
      assert.strictEqual(queries(env.shop), 2)
    }))

  it.scoped("MAX_COST_EXCEEDED: a typed InvalidConfig naming the page size", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 15, size: 10 }, { settings: { pageSize: 250 } })
      const error = yield* Effect.flip(pull(env))
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "pageSize")
      assert.include(error.message, "1252")
    }))
})
