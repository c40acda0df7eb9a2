import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as TestClock from "effect/TestClock"

/**
 * Runs `self` under the `TestClock`, advancing it whenever `self` waits, so rate-limit pauses,
 * Retry-After and retry backoff pass instantly while real I/O (a fake on a loopback port) runs
 * at its own pace: each step waits a real millisecond before moving the clock. That pacing
 * matters: request timeouts run on the same clock, so virtual time must not race ahead of a
 * request in flight (at 100 ms per real millisecond, a 30 s timeout needs 300 ms of real time).
 */
export const driveClock = <A, E, R>(self: Effect.Effect<A, E, R>, step: Duration.DurationInput = "100 millis"): Effect.Effect<A, E, R> =>
  Effect.gen(function*() {
    const fiber = yield* Effect.fork(self)
    while (Option.isNone(yield* Fiber.poll(fiber))) {
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 1)))
      yield* TestClock.adjust(step)
    }
    return yield* Fiber.join(fiber)
  })
