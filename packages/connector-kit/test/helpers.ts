import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"

/**
 * Waits, in real time, until `condition` holds: for tests that must let a real loopback request
 * reach the fake before moving the `TestClock`.
 */
export const until = (condition: () => boolean): Effect.Effect<void> =>
  Effect.promise(async () => {
    for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2))
    if (!condition()) throw new Error("condition not reached within 4 s")
  })

/**
 * Waits, in real time, until a fiber sleeps on the `TestClock` with a wake-up within `horizon`
 * ms, and returns that wake-up time. Request timeouts (30 s) lie beyond the horizons used, so
 * this finds a retry backoff or a rate-limit wait, however long the loopback request took.
 */
export const nextWakeUp = (horizon: number): Effect.Effect<number> =>
  Effect.gen(function*() {
    for (let i = 0; i < 2000; i++) {
      const now = yield* TestClock.currentTimeMillis
      const due = Chunk.toReadonlyArray(yield* TestClock.sleeps()).filter((at) => at > now && at <= now + horizon)
      if (due.length > 0) return Math.min(...due)
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 2)))
    }
    throw new Error(`nothing slept within ${horizon} ms of the test clock for 4 s`)
  })
