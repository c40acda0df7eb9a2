/**
 * The runner's HTTP server under hostile requests, `autoimport run` as a child process: DNS
 * rebinding (Host), cross-site writes (Origin), bodies far over the limit, strings over their
 * documented lengths, and a database that stops answering. Every refusal must leave the runner
 * up and nothing stored.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import * as Cli from "./support/cli.js"
import { flood, send } from "./support/rawHttp.js"
import { sandbox } from "./support/sandbox.js"
import { stallProxy } from "./support/stallProxy.js"

const listening = /Listening on (http:\/\/[0-9.:]+)/

const start = (cwd: string, env: Record<string, string>) =>
  Effect.flatMap(
    Cli.spawnScoped(["run"], { cwd, env: { AUTOIMPORT_HTTP_PORT: "0", AUTOIMPORT_POLL_INTERVAL: "1h", ...env } }),
    (runner) => Effect.map(runner.waitFor(listening), ([, base]) => ({ runner, base: base! }))
  )

const importBody = (cwd: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ connector: "google-contacts", name: "Form", config: JSON.parse(readFileSync(path.join(cwd, "import.json"), "utf8")), ...fields })

const json = { "content-type": "application/json" }

describe("autoimport run: HTTP Host and Origin policy", () => {
  it.scopedLive("without a token only loopback Host names are served, and a foreign Origin cannot create an import", () =>
    Effect.gen(function*() {
      const s = yield* sandbox("sqlite", { size: 10 })
      const { base } = yield* start(s.cwd, s.env)
      const port = new URL(base).port

      // A page on a rebinding domain reaches 127.0.0.1 with its own name in Host.
      for (const host of [`rebind.example:${port}`, "rebind.example", `127.0.0.1.rebind.example:${port}`, `localhost@rebind.example:${port}`]) {
        for (const route of ["/api/imports", "/api/contacts", "/", "/metrics"]) {
          const reply = yield* send(base, { path: route, headers: { host } })
          assert.strictEqual(reply.status, 403, `${host} ${route}`)
        }
        const post = yield* send(base, { method: "POST", path: "/api/imports", headers: { host, ...json }, body: importBody(s.cwd) })
        assert.strictEqual(post.status, 403, host)
        assert.include(post.body.error, "Host")
      }
      for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LOCALHOST:${port}`, `[::1]:${port}`, "localhost"]) {
        assert.strictEqual((yield* send(base, { path: "/api/imports", headers: { host } })).status, 200, host)
      }

      // A state-changing request from another origin (a cross-site form or fetch) is refused.
      for (const origin of ["http://rebind.example", `http://localhost:${Number(port) + 1}`, "null"]) {
        const post = yield* send(base, { method: "POST", path: "/api/imports", headers: { origin, ...json }, body: importBody(s.cwd) })
        assert.strictEqual(post.status, 403, origin)
        assert.include(post.body.error, "origin")
      }
      assert.deepStrictEqual((yield* send(base, { path: "/api/imports" })).body.imports, [], "nothing was created")
      // The setup page's own requests (same origin) and clients that send no Origin still work.
      const own = yield* send(base, { method: "POST", path: "/api/imports", headers: { origin: base, ...json }, body: importBody(s.cwd) })
      assert.strictEqual(own.status, 201, JSON.stringify(own.body))
      assert.strictEqual((yield* send(base, { method: "POST", path: "/api/imports", headers: json, body: importBody(s.cwd) })).status, 201)
    }), { timeout: 60_000 })

  it.scopedLive("with a token any Host is served to a bearer of it, and a foreign Origin is still refused", () =>
    Effect.gen(function*() {
      const s = yield* sandbox("sqlite", { size: 10 })
      const { base } = yield* start(s.cwd, { ...s.env, AUTOIMPORT_ADMIN_TOKEN: "the-token" })
      const auth = { authorization: "Bearer the-token" }
      const host = "autoimport.internal.example"
      assert.strictEqual((yield* send(base, { path: "/api/imports", headers: { host, ...auth } })).status, 200)
      assert.strictEqual((yield* send(base, { path: "/api/imports", headers: { host } })).status, 401)
      const foreign = yield* send(base, {
        method: "POST",
        path: "/api/imports",
        headers: { host, origin: "https://elsewhere.example", ...auth, ...json },
        body: importBody(s.cwd)
      })
      assert.strictEqual(foreign.status, 403)
      // A page served under that name (through a TLS proxy) is this server's own origin.
      const own = yield* send(base, {
        method: "POST",
        path: "/api/imports",
        headers: { host, origin: `https://${host}`, ...auth, ...json },
        body: importBody(s.cwd)
      })
      assert.strictEqual(own.status, 201, JSON.stringify(own.body))
    }), { timeout: 60_000 })
})

for (const dialect of ["sqlite", "postgres"] as const) {
  describe(`autoimport run on ${dialect}: request size limits`, () => {
    it.scopedLive("an oversized body is refused with 413 while streaming, strings over their lengths with 400; nothing is stored and the runner stays up", () =>
      Effect.gen(function*() {
        const s = yield* sandbox(dialect, { size: 10 })
        const { base, runner } = yield* start(s.cwd, s.env)

        // 600 MB declared: refused before the body is read (only a few MB are ever sent).
        const declared = yield* flood(base, { path: "/api/imports", declared: 600 * 1024 * 1024, budget: 8 * 1024 * 1024, timeout: "30 seconds" })
        assert.match(declared.response, /^HTTP\/1\.1 413 /)
        assert.match(declared.response, /larger than 1048576 bytes/)
        // No length given and the body never ends: the server reads up to the limit, stops and
        // answers (a server that reads on waits for the end, or runs out of memory).
        const chunked = yield* flood(base, { path: "/api/imports", budget: 256 * 1024 * 1024, timeout: "60 seconds" })
        assert.match(chunked.response, /^HTTP\/1\.1 413 /)
        // The same for an API route that takes no body.
        const get = yield* flood(base, { method: "GET", path: "/api/imports", budget: 256 * 1024 * 1024, timeout: "60 seconds" })
        assert.match(get.response, /^HTTP\/1\.1 413 /)

        const name = yield* send(base, { method: "POST", path: "/api/imports", headers: json, body: importBody(s.cwd, { name: "n".repeat(201) }) })
        assert.strictEqual(name.status, 400)
        assert.match(name.body.error, /name: must be at most 200 characters/)
        const list = yield* send(base, { method: "POST", path: "/api/imports", headers: json, body: importBody(s.cwd, { list: "l".repeat(5000) }) })
        assert.strictEqual(list.status, 400)
        assert.match(list.body.error, /list: must be at most 200 characters/)
        const config = JSON.parse(readFileSync(path.join(s.cwd, "import.json"), "utf8"))
        const big = yield* send(base, {
          method: "POST",
          path: "/api/imports",
          headers: json,
          body: importBody(s.cwd, { config: { ...config, clientId: "c".repeat(70_000) } })
        })
        assert.strictEqual(big.status, 400)
        assert.match(big.body.error, /config: must be at most 65536 characters as JSON/)
        // Nested far deeper than any config: parsed, then refused, not a crash.
        const deep = yield* send(base, {
          method: "POST",
          path: "/api/imports",
          headers: json,
          body: `{"connector":"google-contacts","name":"deep","config":${"[".repeat(200_000)}${"]".repeat(200_000)}}`
        })
        assert.strictEqual(deep.status, 400)

        assert.strictEqual((yield* send(base, { path: "/healthz" })).status, 200, "the runner is up")
        assert.deepStrictEqual((yield* send(base, { path: "/api/imports" })).body.imports, [], "nothing was stored")
        assert.deepStrictEqual(yield* Cli.json(["imports", "list"], s.options), [])
        // Within the limits the same request is accepted.
        assert.strictEqual((yield* send(base, { method: "POST", path: "/api/imports", headers: json, body: importBody(s.cwd, { name: "n".repeat(200) }) })).status, 201)
        assert.isNull(runner.child.exitCode)
      }), { timeout: 120_000 })
  })
}

describe("autoimport run on postgres: a database that stops answering", () => {
  it.scopedLive("admin API requests and /readyz answer 503 within the timeout; the runner stays up and recovers", () =>
    Effect.gen(function*() {
      const s = yield* sandbox("postgres", { size: 10 })
      const direct = new URL(s.env.AUTOIMPORT_DATABASE_URL!)
      const proxy = yield* stallProxy({ host: direct.hostname, port: Number(direct.port || 5432) })
      const proxied = new URL(direct)
      proxied.host = `127.0.0.1:${proxy.port}`
      const { base, runner } = yield* start(s.cwd, {
        ...s.env,
        AUTOIMPORT_DATABASE_URL: proxied.toString(),
        AUTOIMPORT_HTTP_DATABASE_TIMEOUT: "1s"
      })
      assert.strictEqual((yield* send(base, { path: "/api/imports" })).status, 200)

      yield* proxy.stall
      // More requests at once than the connection pool has connections.
      const stalled = yield* Effect.all(
        Array.from({ length: 12 }, (_, i) => send(base, { path: i % 2 ? "/api/imports" : "/api/contacts" })),
        { concurrency: "unbounded" }
      ).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("requests hung while the database stalled") }))
      for (const reply of stalled) {
        assert.strictEqual(reply.status, 503)
        assert.include(reply.body.error, "the database did not answer within 1s")
      }
      const post = yield* send(base, { method: "POST", path: "/api/imports", headers: json, body: importBody(s.cwd) }).pipe(
        Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("POST hung") })
      )
      assert.strictEqual(post.status, 503)
      const ready = yield* send(base, { path: "/readyz" }).pipe(Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error("/readyz hung") }))
      assert.strictEqual(ready.status, 503)
      assert.strictEqual((yield* send(base, { path: "/healthz" })).status, 200, "the process is up")

      yield* proxy.resume
      const recovered = yield* send(base, { path: "/api/imports" }).pipe(
        Effect.filterOrFail((r) => r.status === 200, (r) => new Error(`still ${r.status}`)),
        Effect.retry(Schedule.spaced("200 millis")),
        Effect.timeoutFail({ duration: "30 seconds", onTimeout: () => new Error(`no recovery:\n${runner.output().stderr}`) })
      )
      assert.isArray(recovered.body.imports)
      assert.strictEqual((yield* send(base, { path: "/readyz" })).status, 200)
      assert.strictEqual((yield* send(base, { method: "POST", path: "/api/imports", headers: json, body: importBody(s.cwd) })).status, 201)
      assert.isNull(runner.child.exitCode)
    }), { timeout: 120_000 })
})
