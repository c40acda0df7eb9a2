import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { http, HttpResponse } from "msw"
import { Http } from "../src/index.js"
import { Faults, layerPull, serveFake } from "../src/testing/index.js"

const Seen = Schema.Struct({ header: Schema.NullOr(Schema.String), authorization: Schema.NullOr(Schema.String) })

const echo = () => {
  let requests = 0
  const handlers = [
    http.get("/echo", ({ request }) => {
      requests++
      return HttpResponse.json({ header: request.headers.get("x-api-token"), authorization: request.headers.get("authorization") })
    })
  ]
  return { handlers, requests: () => requests }
}

const staticAuth: Http.Auth = { token: Effect.succeed(Redacted.make("secret-1")), invalidate: Effect.void }

layer(layerPull)("Http.make options", (it) => {
  it.scoped("authorize puts the token where the service wants it, instead of the bearer header", () =>
    Effect.gen(function*() {
      const fake = echo()
      const { url } = yield* serveFake(fake.handlers)
      const custom = yield* Http.make({
        service: "Test",
        baseUrl: url,
        auth: staticAuth,
        authorize: (request, token) => HttpClientRequest.setHeader(request, "x-api-token", Redacted.value(token))
      })
      assert.deepStrictEqual(yield* custom.json(HttpClientRequest.get("/echo"), Seen, "echo"), { header: "secret-1", authorization: null })
      const plain = yield* Http.make({ service: "Test", baseUrl: url, auth: staticAuth })
      assert.deepStrictEqual(yield* plain.json(HttpClientRequest.get("/echo"), Seen, "echo"), { header: null, authorization: "Bearer secret-1" })
    }))

  it.scoped("rateLimit.cost: each request takes that many units, read when it is sent", () =>
    Effect.gen(function*() {
      const fake = echo()
      const { url } = yield* serveFake(fake.handlers)
      let cost = 6
      const client = yield* Http.make({
        service: "Test",
        baseUrl: url,
        rateLimit: { key: "cost:" + Math.random(), policy: { capacity: 10, refillPerSecond: 1 }, cost: () => cost }
      })
      const get = client.json(HttpClientRequest.get("/echo"), Seen, "echo")
      yield* get // 10 → 4 units
      const fiber = yield* Effect.fork(get) // 4 - 6 = -2: two seconds of debt
      yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))
      yield* TestClock.adjust("1999 millis")
      assert.strictEqual(fake.requests(), 1, "the second request waits for its 6 units")
      yield* TestClock.adjust("1 millis")
      yield* Fiber.join(fiber)
      assert.strictEqual(fake.requests(), 2)
      cost = 0 // a free request goes out at once even with an empty bucket
      yield* get
      assert.strictEqual(fake.requests(), 3)
    }))

  it.scoped("Faults reshape: a service-specific wrong shape", () =>
    Effect.gen(function*() {
      const faults = new Faults({ errorBody: () => ({}), reshape: () => ({ data: { items: "unexpected" } }) })
      const { url } = yield* serveFake([http.get("/things", () => faults.json({ data: { items: [1] } }))])
      const client = yield* Http.make({ service: "Test", baseUrl: url })
      const Things = Schema.Struct({ data: Schema.Struct({ items: Schema.Array(Schema.Number) }) })
      faults.malformNext(1, "wrong-shape")
      const error = yield* Effect.flip(client.json(HttpClientRequest.get("/things"), Things, "things"))
      assert.strictEqual(error._tag, "MalformedResponse")
      assert.include(error.message, "data.items")
      assert.strictEqual(faults.faulted, 1)
    }))
})
