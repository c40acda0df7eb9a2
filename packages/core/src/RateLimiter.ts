/**
 * The request budget of external accounts. Every import that reads the same external account
 * (same `key`) draws from one bucket, so several imports of one Shopify store never exceed the
 * store's limit together (R2). A Retry-After or throttle answer pauses the whole key.
 *
 * Waiting goes through the Effect `Clock`, so tests drive it with `TestClock`.
 */
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export interface RatePolicy {
  /** Requests (or cost units) that may go out at once. */
  readonly capacity: number
  /** Units restored per second. */
  readonly refillPerSecond: number
}

export interface RateLimiterShape {
  /** Waits until `cost` units of `key`'s budget are available and takes them. */
  readonly take: (key: string, policy: RatePolicy, cost?: number) => Effect.Effect<void>
  /** Nobody draws from `key` for the next `millis` milliseconds. */
  readonly pause: (key: string, millis: number) => Effect.Effect<void>
}

export class RateLimiter extends Context.Tag("@autoimport/core/RateLimiter")<RateLimiter, RateLimiterShape>() {}

interface Bucket {
  tokens: number
  updatedAt: number
  pausedUntil: number
}

export const make: Effect.Effect<RateLimiterShape> = Effect.gen(function*() {
  const buckets = new Map<string, Bucket>()
  const lock = yield* Effect.makeSemaphore(1)
  const bucketAt = (key: string, policy: RatePolicy, now: number): Bucket => {
    const bucket = buckets.get(key) ?? { tokens: policy.capacity, updatedAt: now, pausedUntil: 0 }
    const elapsed = Math.max(0, now - bucket.updatedAt) / 1000
    bucket.tokens = Math.min(policy.capacity, bucket.tokens + elapsed * policy.refillPerSecond)
    bucket.updatedAt = now
    buckets.set(key, bucket)
    return bucket
  }
  // Reservation style: take the tokens now (possibly going negative) and sleep outside the
  // lock for as long as the debt takes to refill, so callers are served in arrival order.
  const take = (key: string, policy: RatePolicy, cost = 1) =>
    lock.withPermits(1)(
      Effect.map(Clock.currentTimeMillis, (now) => {
        const bucket = bucketAt(key, policy, now)
        const pauseWait = Math.max(0, bucket.pausedUntil - now)
        bucket.tokens -= cost
        const debtWait = bucket.tokens >= 0 ? 0 : (-bucket.tokens / policy.refillPerSecond) * 1000
        return Math.max(pauseWait, debtWait)
      })
    ).pipe(Effect.flatMap((wait) => (wait > 0 ? Effect.sleep(Math.ceil(wait)) : Effect.void)))
  const pause = (key: string, millis: number) =>
    lock.withPermits(1)(
      Effect.map(Clock.currentTimeMillis, (now) => {
        const bucket = buckets.get(key) ?? { tokens: 0, updatedAt: now, pausedUntil: 0 }
        bucket.pausedUntil = Math.max(bucket.pausedUntil, now + millis)
        buckets.set(key, bucket)
      })
    )
  return { take, pause }
})

/** One in-process limiter; the runner provides a single instance to every sync. */
export const layer: Layer.Layer<RateLimiter> = Layer.effect(RateLimiter, make)
