import * as Effect from "effect/Effect"

/**
 * Waits, in real time, until `condition` holds: for tests that must let a real loopback request
 * reach the fake before moving the `TestClock`.
 */
export const until = (condition: () => boolean): Effect.Effect<void> =>
  Effect.promise(async () => {
    for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2))
    if (!condition()) throw new Error("condition not reached within 4 s")
  })
