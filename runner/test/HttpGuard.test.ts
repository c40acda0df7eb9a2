/**
 * The HTTP guard: which Host names and Origins count as this server's own, and the bounded body
 * the routes read (in-process, on a loopback port). The runner as a whole is tested under hostile
 * requests in http.test.ts.
 */
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createServer } from "node:http"
import type { RunnerConfig } from "../src/Config.js"
import * as HttpGuard from "../src/HttpGuard.js"
import { flood, send } from "./support/rawHttp.js"

const config = (host: string, token: boolean) =>
  ({ http: { host, port: 8080, adminToken: token ? Option.some("t") : Option.none() } }) as unknown as RunnerConfig

describe("HttpGuard", () => {
  it.effect("reads the name in a Host header, and nothing from what only looks like one", () =>
    Effect.gen(function*() {
      assert.strictEqual(HttpGuard.hostName("127.0.0.1:8080"), "127.0.0.1")
      assert.strictEqual(HttpGuard.hostName("LocalHost"), "localhost")
      assert.strictEqual(HttpGuard.hostName("[::1]:8080"), "[::1]")
      assert.strictEqual(HttpGuard.hostName("127.0.0.1.rebind.example"), "127.0.0.1.rebind.example")
      for (const header of [undefined, "", "localhost:8080:80", "localhost@rebind.example", "[::1]rebind.example", "localhost/x", "localhost:port", "::1"]) {
        assert.isUndefined(HttpGuard.hostName(header), String(header))
      }
    }))

  it.effect("serves loopback names (and a loopback http.host) without a token, any name with one", () =>
    Effect.gen(function*() {
      const open = HttpGuard.policy(config("127.0.0.1", false))
      assert.deepStrictEqual([...Option.getOrThrow(open.hosts)].sort(), ["127.0.0.1", "[::1]", "localhost"])
      assert.isTrue(Option.getOrThrow(HttpGuard.policy(config("::1", false)).hosts).has("[::1]"))
      assert.isTrue(Option.getOrThrow(HttpGuard.policy(config("127.0.0.5", false)).hosts).has("127.0.0.5"))
      assert.isTrue(Option.isNone(HttpGuard.policy(config("0.0.0.0", true)).hosts))
    }))

  it.effect("an Origin is this server's only with the same host and port (http, or https behind a proxy)", () =>
    Effect.gen(function*() {
      assert.isTrue(HttpGuard.isOwnOrigin("http://127.0.0.1:8080", "127.0.0.1:8080"))
      assert.isTrue(HttpGuard.isOwnOrigin("https://admin.example", "admin.example"))
      assert.isTrue(HttpGuard.isOwnOrigin("http://localhost", "localhost:80"))
      assert.isFalse(HttpGuard.isOwnOrigin("http://127.0.0.1:8081", "127.0.0.1:8080"))
      assert.isFalse(HttpGuard.isOwnOrigin("http://rebind.example:8080", "127.0.0.1:8080"))
      assert.isFalse(HttpGuard.isOwnOrigin("null", "127.0.0.1:8080"))
      assert.isFalse(HttpGuard.isOwnOrigin("file://", "127.0.0.1:8080"))
      assert.isFalse(HttpGuard.isOwnOrigin("http://127.0.0.1:8080", undefined))
    }))

  it.scoped("routes read the body through the limit: JSON, bytes and stream, under a mount too; 413 past it", () =>
    Effect.gen(function*() {
      const bytes = Effect.gen(function*() {
        const request = yield* HttpServerRequest.HttpServerRequest
        const buffer = yield* request.arrayBuffer
        const streamed = Chunk.reduce(yield* Stream.runCollect(request.stream), 0, (n, c) => n + c.length)
        return HttpServerResponse.unsafeJson({ arrayBuffer: buffer.byteLength, streamed })
      })
      const router = HttpRouter.empty.pipe(
        HttpRouter.post("/json", Effect.map(HttpServerRequest.schemaBodyJson(Schema.Unknown), (body) => HttpServerResponse.unsafeJson({ body }))),
        HttpRouter.mount("/inner", HttpRouter.empty.pipe(HttpRouter.post("/bytes", bytes)))
      )
      const context = yield* Layer.build(
        router.pipe(
          HttpGuard.guard({ hosts: Option.none(), maxBodyBytes: 1024 }),
          HttpServer.serve(),
          Layer.provideMerge(NodeHttpServer.layer(createServer, { port: 0, host: "127.0.0.1" }))
        )
      )
      const address = Context.get(context, HttpServer.HttpServer).address
      const base = `http://127.0.0.1:${address._tag === "TcpAddress" ? address.port : 0}`

      const echoed = yield* send(base, { method: "POST", path: "/json", body: JSON.stringify({ a: "é".repeat(100) }) })
      assert.deepStrictEqual([echoed.status, echoed.body.body], [200, { a: "é".repeat(100) }])
      const small = yield* send(base, { method: "POST", path: "/inner/bytes", body: "abc" })
      assert.deepStrictEqual(small.body, { arrayBuffer: 3, streamed: 3 })
      const full = yield* send(base, { method: "POST", path: "/inner/bytes", body: "x".repeat(1024) })
      assert.deepStrictEqual(full.body, { arrayBuffer: 1024, streamed: 1024 })
      assert.strictEqual((yield* send(base, { method: "POST", path: "/inner/bytes", body: "x".repeat(1025) })).status, 413)
      const chunked = yield* flood(base, { path: "/json", budget: 64 * 1024 * 1024, timeout: "30 seconds" })
      assert.match(chunked.response, /^HTTP\/1\.1 413 /)
    }))
})
