/**
 * What a hostile service can do to one request: send its headers and then stall, trickle its
 * body, or keep answering forever. Against a plain node `http` server on loopback, through
 * undici (the production transport), with the real clock and small limits. A guard ends each
 * call after 20 s so that code without the limits fails instead of hanging; no test asserts
 * how long anything took.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import { createServer, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Http } from "../src/index.js"
import { layerPull } from "../src/testing/index.js"

const Thing = Schema.Struct({ items: Schema.Array(Schema.Number) })

/** A loopback server answering every request with `answer`, counting requests. */
const serve = (answer: (response: ServerResponse, request: number) => void) =>
  Effect.acquireRelease(
    Effect.async<{ readonly url: string; readonly requests: () => number; readonly close: () => void }>((resume) => {
      let requests = 0
      const server = createServer((_, response) => answer(response, ++requests))
      server.listen(0, "127.0.0.1", () =>
        resume(Effect.succeed({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          requests: () => requests,
          close: () => {
            server.closeAllConnections()
            server.close()
          }
        })))
    }),
    (server) => Effect.sync(server.close)
  )

/** Headers and the first half of a JSON body, then nothing (the socket stays open). */
const stallAfterHeaders = (response: ServerResponse) => {
  response.writeHead(200, { "content-type": "application/json" })
  response.write(`{"items":[1,`)
}

/** A byte every 20 ms, forever: never idle long, never done. */
const trickle = (timers: Set<NodeJS.Timeout>) => (response: ServerResponse) => {
  response.writeHead(200, { "content-type": "application/json" })
  response.write(`{"items":[`)
  const timer = setInterval(() => response.write(" "), 20)
  timers.add(timer)
  response.on("close", () => clearInterval(timer))
}

const guard = <A, E, R>(self: Effect.Effect<A, E, R>) =>
  self.pipe(Effect.timeoutFail({ duration: "20 seconds", onTimeout: () => new Error("the request was never given up: no limit applied") }))

const get = (client: Http.ServiceClient) =>
  guard(Effect.flip(client.json(HttpClientRequest.get("/things"), Thing, "things").pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(1)))))

layer(layerPull, { excludeTestServices: true })("Http.make limits", (it) => {
  it.scoped("headers then a stalled body: the idle timeout ends the attempt, which is retried, then ServiceUnavailable", () =>
    Effect.gen(function*() {
      const server = yield* serve(stallAfterHeaders)
      const client = yield* Http.make({ service: "Test", baseUrl: server.url, idleTimeout: "200 millis", deadline: "1 minute" })
      const error = yield* get(client)
      assert.strictEqual(error._tag, "ServiceUnavailable")
      assert.include(error.message, "stalled: no data for 200ms")
      assert.strictEqual(server.requests(), 2, "one retry")
    }), { timeout: 30_000 })

  it.scoped("a body trickled a byte at a time: the deadline ends the attempt", () =>
    Effect.gen(function*() {
      const timers = new Set<NodeJS.Timeout>()
      const server = yield* serve(trickle(timers))
      yield* Effect.addFinalizer(() => Effect.sync(() => timers.forEach(clearInterval)))
      const client = yield* Http.make({ service: "Test", baseUrl: server.url, idleTimeout: "10 seconds", deadline: "500 millis" })
      const error = yield* get(client)
      assert.strictEqual(error._tag, "ServiceUnavailable")
      assert.include(error.message, "not complete within 500ms")
      assert.strictEqual(server.requests(), 2, "one retry")
    }), { timeout: 30_000 })

  it.scoped("an error status whose body stalls is bounded too", () =>
    Effect.gen(function*() {
      const server = yield* serve((response) => {
        response.writeHead(400, { "content-type": "application/json" })
        response.write(`{"error":`)
      })
      const client = yield* Http.make({ service: "Test", baseUrl: server.url, idleTimeout: "200 millis", deadline: "1 minute" })
      const error = yield* get(client)
      assert.strictEqual(error._tag, "ServiceUnavailable")
      assert.include(error.message, "stalled")
    }), { timeout: 30_000 })

  it.scoped("the limits come from Http.Limits (the runner's settings) when the client sets none", () =>
    Effect.gen(function*() {
      const server = yield* serve(stallAfterHeaders)
      const client = yield* Http.make({ service: "Test", baseUrl: server.url }).pipe(
        Effect.provide(Layer.succeed(Http.Limits, { ...Http.defaultLimits, idleTimeout: "150 millis" }))
      )
      const error = yield* get(client)
      assert.include(error.message, "stalled: no data for 150ms")
    }), { timeout: 30_000 })

  it.scoped("a whole answer within the limits is read as before", () =>
    Effect.gen(function*() {
      const server = yield* serve((response, n) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.write(`{"items":[`)
        // The rest after a pause shorter than the idle timeout.
        setTimeout(() => response.end(`${n}]}`), 50)
      })
      const client = yield* Http.make({ service: "Test", baseUrl: server.url, idleTimeout: "5 seconds", deadline: "1 minute" })
      const thing = yield* guard(client.json(HttpClientRequest.get("/things"), Thing, "things"))
      assert.deepStrictEqual(thing.items, [1])
    }), { timeout: 30_000 })

  it.scoped("a client sends at most requestsPerSync requests; the next one is RequestLimitReached", () =>
    Effect.gen(function*() {
      const server = yield* serve((response) => {
        response.writeHead(200, { "content-type": "application/json" })
        response.end(`{"items":[]}`)
      })
      const client = yield* Http.make({ service: "Test", baseUrl: server.url, requestsPerSync: 3 })
      const results: Array<string> = []
      // A service that always has one more (empty) page: a connector following it would never stop.
      for (let i = 0; i < 10; i++) {
        const result = yield* Effect.either(client.json(HttpClientRequest.get("/things"), Thing, "things"))
        results.push(result._tag === "Right" ? "page" : result.left._tag)
        if (result._tag === "Left") break
      }
      assert.deepStrictEqual(results, ["page", "page", "page", "RequestLimitReached"])
      assert.strictEqual(server.requests(), 3)
    }))
})
