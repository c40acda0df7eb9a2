import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as TestClock from "effect/TestClock"
import * as RateLimiter from "../src/RateLimiter.js"

const policy = { capacity: 2, refillPerSecond: 1 }

describe("RateLimiter", () => {
  it.effect("lets the capacity through at once, then one per refill interval", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make
      const taken: Array<number> = []
      const fiber = yield* Effect.fork(
        Effect.forEach([1, 2, 3, 4], (n) => Effect.zipRight(limiter.take("shop-a", policy), Effect.sync(() => taken.push(n))), { discard: true })
      )
      yield* TestClock.adjust("1 millis")
      assert.deepStrictEqual(taken, [1, 2])
      yield* TestClock.adjust("1 seconds")
      assert.deepStrictEqual(taken, [1, 2, 3])
      yield* TestClock.adjust("1 seconds")
      yield* Fiber.join(fiber)
      assert.deepStrictEqual(taken, [1, 2, 3, 4])
    }))

  it.effect("keys are independent: one account's budget does not slow another", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make
      yield* limiter.take("shop-a", policy, 2)
      const other = yield* Effect.fork(limiter.take("shop-b", policy))
      yield* TestClock.adjust("1 millis")
      assert.isTrue((yield* Fiber.poll(other))._tag === "Some")
    }))

  it.effect("a pause (Retry-After) holds every caller of that key until it ends", () =>
    Effect.gen(function*() {
      const limiter = yield* RateLimiter.make
      yield* limiter.pause("shop-a", 30_000)
      const waiting = yield* Effect.fork(limiter.take("shop-a", policy))
      yield* TestClock.adjust("29 seconds")
      assert.isTrue((yield* Fiber.poll(waiting))._tag === "None")
      yield* TestClock.adjust("1 seconds")
      yield* Fiber.join(waiting)
    }))
})
