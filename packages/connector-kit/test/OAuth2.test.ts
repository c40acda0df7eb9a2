import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as TestClock from "effect/TestClock"
import { http, HttpResponse } from "msw"
import { Http, OAuth2 } from "../src/index.js"
import { layerPull, serveFake } from "../src/testing/index.js"

interface TokenServer {
  rotateTo?: string
  error?: { status: number; error: string }
  readonly received: Array<Record<string, string>>
}

const serveTokens = (server: TokenServer) =>
  serveFake([
    http.post("/token", async ({ request }) => {
      const form = Object.fromEntries(new URLSearchParams(await request.text()))
      server.received.push(form)
      if (server.error) return HttpResponse.json({ error: server.error.error, error_description: "nope" }, { status: server.error.status })
      return HttpResponse.json({
        access_token: `access-${server.received.length}`,
        expires_in: 3600,
        token_type: "Bearer",
        ...(server.rotateTo ? { refresh_token: server.rotateTo } : {})
      })
    })
  ])

const options = (url: string): OAuth2.Options => ({
  service: "Test",
  tokenUrl: `${url}/token`,
  clientId: "client",
  clientSecret: Redacted.make("secret"),
  refreshToken: Redacted.make("refresh-1")
})

layer(layerPull)("OAuth2.make", (it) => {
  it.scoped("posts the refresh-token grant form-encoded and caches the token until shortly before expiry", () =>
    Effect.gen(function*() {
      const server: TokenServer = { received: [] }
      const { url } = yield* serveTokens(server)
      const auth = yield* OAuth2.make(options(url))
      assert.strictEqual(Redacted.value(yield* auth.token), "access-1")
      assert.strictEqual(Redacted.value(yield* auth.token), "access-1")
      assert.deepStrictEqual(server.received, [{
        grant_type: "refresh_token",
        refresh_token: "refresh-1",
        client_id: "client",
        client_secret: "secret"
      }])
      yield* TestClock.adjust("3539 seconds")
      assert.strictEqual(Redacted.value(yield* auth.token), "access-1")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(Redacted.value(yield* auth.token), "access-2", "refreshed 60 s before expiry")
    }))

  it.scoped("invalidate forces a refresh", () =>
    Effect.gen(function*() {
      const server: TokenServer = { received: [] }
      const { url } = yield* serveTokens(server)
      const auth = yield* OAuth2.make(options(url))
      yield* auth.token
      yield* auth.invalidate
      assert.strictEqual(Redacted.value(yield* auth.token), "access-2")
    }))

  it.scoped("a rotated refresh token is handed to onRotate before the new access token is used, and used next", () =>
    Effect.gen(function*() {
      const server: TokenServer = { received: [], rotateTo: "refresh-2" }
      const { url } = yield* serveTokens(server)
      const events: Array<string> = []
      const auth = yield* OAuth2.make({
        ...options(url),
        onRotate: (token) => Effect.sync(() => events.push(`rotated to ${Redacted.value(token)}`))
      })
      events.push(`using ${Redacted.value(yield* auth.token)}`)
      assert.deepStrictEqual(events, ["rotated to refresh-2", "using access-1"])
      yield* auth.invalidate
      yield* auth.token
      assert.strictEqual(server.received[1]!.refresh_token, "refresh-2")
      assert.strictEqual(events.length, 2, "the same token again is not a rotation")
    }))

  it.scoped("invalid_grant (400) is AuthRevoked and never retried", () =>
    Effect.gen(function*() {
      const server: TokenServer = { received: [], error: { status: 400, error: "invalid_grant" } }
      const { url } = yield* serveTokens(server)
      const auth = yield* OAuth2.make(options(url))
      const error = yield* Effect.flip(auth.token.pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(3))))
      assert.strictEqual(error._tag, "AuthRevoked")
      assert.include(error.message, "invalid_grant")
      assert.strictEqual(server.received.length, 1)
    }))

  it.scoped("invalid_client (401) is AuthRevoked", () =>
    Effect.gen(function*() {
      const server: TokenServer = { received: [], error: { status: 401, error: "invalid_client" } }
      const { url } = yield* serveTokens(server)
      const auth = yield* OAuth2.make(options(url))
      const error = yield* Effect.flip(auth.token)
      assert.strictEqual(error._tag, "AuthRevoked")
      assert.include(error.message, "invalid_client")
    }))
})
