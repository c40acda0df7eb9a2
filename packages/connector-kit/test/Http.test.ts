import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { CursorExpired } from "@autoimport/core/Errors"
import { RateLimiter } from "@autoimport/core/RateLimiter"
import { assert, layer } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { http, HttpResponse } from "msw"
import { Http } from "../src/index.js"
import { Faults, layerPull, serveFake } from "../src/testing/index.js"
import { nextWakeUp, until } from "./helpers.js"

const Thing = Schema.Struct({ items: Schema.Array(Schema.Struct({ id: Schema.Number })) })
const policy = { capacity: 100, refillPerSecond: 100 }

const fakeService = () => {
  const faults = new Faults({ errorBody: (code, message) => ({ error: { code, message } }) })
  const handlers = [
    http.get("/things", async () => (await faults.intercept()) ?? faults.json({ items: [{ id: 1 }, { id: 2 }], extra: "ignored" })),
    http.get("/bad-request", () => HttpResponse.json({ error: "EXPIRED" }, { status: 400 }))
  ]
  return { faults, handlers }
}

const setup = (options: Partial<Http.Options> = {}, key = "test:" + Math.random()) =>
  Effect.gen(function*() {
    const fake = fakeService()
    const { url } = yield* serveFake(fake.handlers)
    const client = yield* Http.make({ service: "Test", baseUrl: url, rateLimit: { key, policy }, ...options })
    return { ...fake, client, key }
  })

const getThings = (client: Http.ServiceClient) => client.json(HttpClientRequest.get("/things"), Thing, "things")

layer(layerPull)("Http.make", (it) => {
  it.scoped("decodes a JSON body, ignoring unknown fields", () =>
    Effect.gen(function*() {
      const { client } = yield* setup()
      const things = yield* getThings(client)
      assert.deepStrictEqual(things.items.map((t) => t.id), [1, 2])
    }))

  it.scoped("retries 5xx and succeeds when the service recovers", () =>
    Effect.gen(function*() {
      const { client, faults } = yield* setup()
      faults.failNext(2, 503)
      const things = yield* getThings(client).pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(3)))
      assert.strictEqual(things.items.length, 2)
      assert.strictEqual(faults.requests, 3)
    }))

  it.scoped("ends with ServiceUnavailable when 5xx persists", () =>
    Effect.gen(function*() {
      const { client, faults } = yield* setup()
      faults.failNext(10, 500)
      const error = yield* Effect.flip(getThings(client).pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(2))))
      assert.strictEqual(error._tag, "ServiceUnavailable")
      assert.include(error.message, "HTTP 500")
      assert.strictEqual(faults.requests, 3)
    }))

  it.scoped("retries a 429 with a short Retry-After, waiting for it through the rate limiter", () =>
    Effect.gen(function*() {
      const { client, faults } = yield* setup()
      faults.rateLimitNext(1, 5)
      const fiber = yield* Effect.fork(getThings(client).pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(1))))
      const wake = yield* nextWakeUp(5_000)
      assert.strictEqual(wake, 5_000, "the retry waits for the account's pause")
      yield* TestClock.adjust("4 seconds")
      assert.strictEqual(faults.requests, 1, "no retry before the Retry-After")
      yield* TestClock.adjust("1 second")
      const things = yield* Fiber.join(fiber)
      assert.strictEqual(things.items.length, 2)
      assert.strictEqual(faults.requests, 2)
    }))

  it.scoped("a long Retry-After stops at once with RateLimited and pauses the whole account", () =>
    Effect.gen(function*() {
      const { client, faults, key } = yield* setup()
      faults.rateLimitNext(1, 120)
      const error = yield* Effect.flip(getThings(client).pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(3))))
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(error._tag === "RateLimited" && error.retryAfterMillis, 120_000)
      assert.strictEqual(faults.requests, 1)
      const limiter = yield* RateLimiter
      const other = yield* Effect.fork(limiter.take(key, policy))
      yield* TestClock.adjust("119 seconds")
      assert.isTrue(Option.isNone(yield* Fiber.poll(other)), "another import of the account still waits")
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(other)
    }))

  it.scoped("ends with RateLimited when 429 persists", () =>
    Effect.gen(function*() {
      const { client, faults } = yield* setup()
      faults.rateLimitNext(10)
      const error = yield* Effect.flip(getThings(client).pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(2))))
      assert.strictEqual(error._tag, "RateLimited")
      assert.strictEqual(faults.requests, 3)
    }))

  it.scoped("the default schedule retries four times with capped backoff (TestClock)", () =>
    Effect.gen(function*() {
      const { client, faults } = yield* setup()
      faults.failNext(10, 503)
      const fiber = yield* Effect.fork(getThings(client))
      const delays: Array<number> = []
      for (let retry = 0; retry < 4; retry++) {
        const now = yield* TestClock.currentTimeMillis
        const wake = yield* nextWakeUp(10_000)
        delays.push(wake - now)
        yield* TestClock.setTime(wake)
      }
      const error = yield* Effect.flip(Fiber.join(fiber))
      assert.strictEqual(error._tag, "ServiceUnavailable")
      assert.strictEqual(faults.requests, 5)
      // Exponential from 500 ms with ±20 % jitter.
      ;[500, 1_000, 2_000, 4_000].forEach((base, i) => {
        assert.isAtLeast(delays[i]!, base * 0.8, `delay ${i}`)
        assert.isAtMost(delays[i]!, base * 1.2, `delay ${i}`)
      })
    }))

  it.scoped("a request without an answer times out and is retried", () =>
    Effect.gen(function*() {
      const { client, faults } = yield* setup({ timeout: "5 seconds" })
      faults.slowNext(1, 1_000)
      const fiber = yield* Effect.fork(getThings(client).pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(1))))
      yield* until(() => faults.requests === 1)
      yield* TestClock.adjust("5 seconds")
      const things = yield* Fiber.join(fiber)
      assert.strictEqual(things.items.length, 2)
      assert.strictEqual(faults.requests, 2)
    }))

  it.scoped("a transport error after the retries is ServiceUnavailable", () =>
    Effect.gen(function*() {
      const client = yield* Http.make({ service: "Test", baseUrl: "http://127.0.0.1:1" })
      const error = yield* Effect.flip(getThings(client).pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(1))))
      assert.strictEqual(error._tag, "ServiceUnavailable")
      assert.include(error.message, "Transport")
    }))

  it.scoped("401 invalidates the token and retries once with a fresh one", () =>
    Effect.gen(function*() {
      let issued = 0
      let invalidated = 0
      const { url } = yield* serveFake([
        http.get("/me", ({ request }) =>
          request.headers.get("authorization") === "Bearer token-2"
            ? HttpResponse.json({ items: [] })
            : HttpResponse.json({ error: "expired" }, { status: 401 }))
      ])
      const auth: Http.Auth = {
        token: Effect.sync(() => Redacted.make(`token-${issued === invalidated ? ++issued : issued}`)),
        invalidate: Effect.sync(() => void invalidated++)
      }
      const client = yield* Http.make({ service: "Test", baseUrl: url, auth })
      yield* client.json(HttpClientRequest.get("/me"), Thing, "me")
      assert.strictEqual(invalidated, 1)
      assert.strictEqual(issued, 2)
    }))

  it.scoped("401 twice is AuthRevoked", () =>
    Effect.gen(function*() {
      let requests = 0
      const { url } = yield* serveFake([
        http.get("/me", () => {
          requests++
          return HttpResponse.json({ error: "nope" }, { status: 403 })
        })
      ])
      const auth: Http.Auth = { token: Effect.succeed(Redacted.make("t")), invalidate: Effect.void }
      const client = yield* Http.make({ service: "Test", baseUrl: url, auth })
      const error = yield* Effect.flip(client.execute(HttpClientRequest.get("/me")))
      assert.strictEqual(error._tag, "AuthRevoked")
      assert.include(error.message, "HTTP 403")
      assert.strictEqual(requests, 2)
    }))

  it.scoped("other statuses go to unexpectedStatus, and are defects when it has no rule", () =>
    Effect.gen(function*() {
      const { client } = yield* setup({
        unexpectedStatus: ({ body, status }) =>
          status === 400 && body.includes("EXPIRED") ? new CursorExpired({ service: "Test", detail: "expired" }) : undefined
      })
      const error = yield* Effect.flip(client.execute(HttpClientRequest.get("/bad-request")))
      assert.strictEqual(error._tag, "CursorExpired")
      const { client: plain } = yield* setup()
      const exit = yield* Effect.exit(plain.execute(HttpClientRequest.get("/bad-request")))
      assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause))
    }))

  it.scoped("a truncated or wrongly shaped body is MalformedResponse naming what and where", () =>
    Effect.gen(function*() {
      const { client, faults } = yield* setup()
      faults.malformNext(1, "truncated").malformNext(1, "wrong-shape")
      const truncated = yield* Effect.flip(getThings(client))
      assert.strictEqual(truncated._tag, "MalformedResponse")
      assert.include(truncated.message, "things: the body is not JSON")
      const reshaped = yield* Effect.flip(getThings(client))
      assert.strictEqual(reshaped._tag, "MalformedResponse")
      assert.include(reshaped.message, "things: items")
    }))
})

layer(layerPull)("Http.parseRetryAfter", (it) => {
  it("reads delay-seconds and HTTP dates", () => {
    const now = Date.parse("2026-11-29T20:00:00Z")
    assert.deepStrictEqual(Http.parseRetryAfter("120", now), Option.some(120_000))
    assert.deepStrictEqual(Http.parseRetryAfter("1.5", now), Option.some(1_500))
    assert.deepStrictEqual(Http.parseRetryAfter("Sun, 29 Nov 2026 20:00:30 GMT", now), Option.some(30_000))
    assert.deepStrictEqual(Http.parseRetryAfter("Sun, 29 Nov 2026 19:00:00 GMT", now), Option.some(0))
    assert.deepStrictEqual(Http.parseRetryAfter("soon", now), Option.none())
    assert.deepStrictEqual(Http.parseRetryAfter(undefined, now), Option.none())
  })
})
