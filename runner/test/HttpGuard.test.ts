/**
 * The HTTP guard's pure parts: which Host names and Origins count as this server's own. The
 * requests themselves are tested against the running server in http.test.ts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { RunnerConfig } from "../src/Config.js"
import * as HttpGuard from "../src/HttpGuard.js"

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
})
