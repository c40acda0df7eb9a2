import { Authorization } from "@autoimport/core"
import { Connectors, defineConnector } from "@autoimport/core/Connector"
import { assert, describe, it, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { http, HttpResponse } from "msw"
import { Authorize, Http, PendingAuthorizations, Pkce } from "../src/index.js"
import { clientCredentials, driveClock, layerPull, makeConsent, pressConsent as press, serveFake } from "../src/testing/index.js"

const client = { clientId: "client-1", clientSecret: Redacted.make("secret-1") }

/** A provider on loopback: the shared consent page at /authorize, a token endpoint at /token. */
const serveProvider = (tokenAnswer?: () => Response) =>
  Effect.gen(function*() {
    const consent = makeConsent({ provider: "Test", clients: { "client-1": { appName: "autoimport <test>" } } })
    const received: Array<Record<string, string>> = []
    const { url } = yield* serveFake([
      http.get("/authorize", ({ request }) => consent.page(request)),
      http.post("/authorize", ({ request }) => consent.decide(request)),
      http.post("/token", async ({ request }) => {
        const params = Object.fromEntries(new URLSearchParams(await request.text()))
        received.push(params)
        if (tokenAnswer) return tokenAnswer()
        const { clientId, clientSecret } = clientCredentials(request, params)
        if (clientId !== "client-1" || clientSecret !== "secret-1") {
          return HttpResponse.json({ error: "invalid_client", error_description: "unknown client" }, { status: 401 })
        }
        const result = consent.redeem(params, clientId)
        if (result._tag === "Refused") return HttpResponse.json({ error: result.error, error_description: result.description }, { status: 400 })
        return HttpResponse.json({ access_token: "access-1", refresh_token: "refresh-1", expires_in: 3600, scope: result.grant.scopes.join(" ") })
      })
    ])
    return { url, consent, received }
  })

const oauth = (base: { url: string }): Authorization.OAuth2<{ readonly base?: string }> => ({
  _tag: "OAuth2",
  id: "oauth",
  label: "Connect with Test",
  scopes: ["contacts.read", "offline"],
  authorizeParams: { access_type: "offline", state: "forged" },
  tokenParams: { expiring: "1" },
  fills: { clientId: "clientId", clientSecret: "clientSecret", refreshToken: "refreshToken" },
  endpoints: (settings) => Either.right({ authorizeUrl: `${settings.base ?? base.url}/authorize`, tokenUrl: `${settings.base ?? base.url}/token` }),
  client: () => Option.some(client)
})

const connector = (method: Authorization.OAuth2<any>) =>
  defineConnector({
    id: "test-service",
    name: "Test",
    version: "0.0.0",
    settings: Schema.Struct({}),
    config: Schema.Unknown,
    cursor: Schema.Unknown,
    fields: [],
    deletions: "none",
    accountKey: () => "test",
    authorization: [method],
    pull: () => Stream.empty
  })

const withConnector = (method: Authorization.OAuth2<any>) =>
  Effect.provide(Layer.merge(
    Layer.succeed(Connectors, Connectors.fromList([{ connector: connector(method), settings: {} }])),
    PendingAuthorizations.layer()
  ))

const queryOf = (url: URL) => Object.fromEntries(url.searchParams)

describe("Pkce", () => {
  it("computes the S256 challenge of RFC 7636 appendix B", () => {
    assert.strictEqual(Pkce.challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM")
  })

  it.effect("makes fresh verifiers that §4.1 allows, with their challenge", () =>
    Effect.gen(function*() {
      const a = yield* Pkce.make
      const b = yield* Pkce.make
      assert.isTrue(Pkce.isVerifier(Redacted.value(a.verifier)))
      assert.notStrictEqual(Redacted.value(a.verifier), Redacted.value(b.verifier))
      assert.strictEqual(a.challenge, Pkce.challenge(Redacted.value(a.verifier)))
    }))
})

describe("Authorize.authorizationUrl", () => {
  it("keeps the URL's own parameters, adds the declaration's, and never lets them override the flow's", () => {
    const url = new URL(Authorize.authorizationUrl(
      { ...oauth({ url: "" }), scopeSeparator: "," },
      { authorizeUrl: "https://auth.example/o/authorize?hd=example.com", clientId: "c", redirectUri: "http://127.0.0.1:1/cb", state: "s1", challenge: "ch" }
    ))
    assert.deepStrictEqual(queryOf(url), {
      hd: "example.com",
      access_type: "offline",
      state: "s1",
      response_type: "code",
      client_id: "c",
      redirect_uri: "http://127.0.0.1:1/cb",
      scope: "contacts.read,offline",
      code_challenge: "ch",
      code_challenge_method: "S256"
    })
  })
})

describe("PendingAuthorizations", () => {
  const entry = { sessionId: "session-a", connectorId: "c", methodId: "oauth", redirectUri: "http://127.0.0.1/cb", input: {} }

  it.effect("a state is random, bound to its session, single use, and expires (TestClock)", () =>
    Effect.gen(function*() {
      const store = yield* PendingAuthorizations.make({ ttl: "10 minutes" })
      const first = yield* store.create(entry)
      const second = yield* store.create(entry)
      assert.notStrictEqual(first.state, second.state)
      assert.isAtLeast(first.state.length, 43)
      const foreign = yield* Effect.flip(store.take(first.state, "session-b"))
      assert.strictEqual(foreign.reason, "other-session")
      assert.strictEqual((yield* store.take(first.state, "session-a")).state, first.state, "a foreign try does not use it up")
      assert.strictEqual((yield* Effect.flip(store.take(first.state, "session-a"))).reason, "used")
      assert.strictEqual((yield* Effect.flip(store.take("made-up", "session-a"))).reason, "unknown")
      yield* TestClock.adjust("10 minutes")
      assert.strictEqual((yield* Effect.flip(store.take(second.state, "session-a"))).reason, "expired")
    }))

  it.effect("stays bounded: past its capacity the oldest authorization goes", () =>
    Effect.gen(function*() {
      const store = yield* PendingAuthorizations.make({ capacity: 3 })
      const states: Array<string> = []
      for (let i = 0; i < 5; i++) states.push((yield* store.create(entry)).state)
      assert.strictEqual((yield* Effect.flip(store.take(states[0]!, "session-a"))).reason, "unknown")
      assert.strictEqual((yield* store.take(states[4]!, "session-a")).state, states[4])
    }))
})

layer(layerPull)("Authorize over HTTP", (it) => {
  const redirectUri = "http://127.0.0.1:9/oauth/callback"

  it.scoped("start → consent page → Allow → complete fills the declared keys; a second callback is refused", () =>
    Effect.gen(function*() {
      const provider = yield* serveProvider()
      const method = oauth(provider)
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "test-service", sessionId: "s", redirectUri, returnTo: "/setup" })
        const pressed = yield* press(started.url, "allow")
        assert.include(pressed.page, "autoimport &lt;test&gt; wants to access your Test account", "the page escapes the app name")
        assert.include(pressed.page, "<li>contacts.read</li>")
        assert.strictEqual(pressed.status, 302)
        assert.strictEqual(`${pressed.location.origin}${pressed.location.pathname}`, redirectUri)
        assert.deepStrictEqual(Object.keys(queryOf(pressed.location)).sort(), ["code", "state"])
        assert.strictEqual(pressed.location.searchParams.get("state"), started.pending.state)
        const done = yield* Authorize.complete({ sessionId: "s", query: queryOf(pressed.location) })
        assert.deepStrictEqual(Redacted.value(done.config), { clientId: "client-1", clientSecret: "secret-1", refreshToken: "refresh-1" })
        assert.strictEqual(done.returnTo, "/setup")
        assert.deepStrictEqual(provider.received[0], {
          expiring: "1",
          grant_type: "authorization_code",
          code: pressed.location.searchParams.get("code")!,
          redirect_uri: redirectUri,
          code_verifier: Redacted.value(started.pending.verifier),
          client_id: "client-1",
          client_secret: "secret-1"
        })
        const again = yield* Effect.flip(Authorize.complete({ sessionId: "s", query: queryOf(pressed.location) }))
        assert.strictEqual(again._tag, "AuthorizationStateInvalid")
        assert.strictEqual(provider.received.length, 1, "a used state never reaches the token endpoint")
      }).pipe(withConnector(method))
    }))

  it.scoped("Deny comes back as error=access_denied: AuthorizationDenied, no token request", () =>
    Effect.gen(function*() {
      const provider = yield* serveProvider()
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "test-service", sessionId: "s", redirectUri })
        const pressed = yield* press(started.url, "deny")
        assert.deepStrictEqual(queryOf(pressed.location), { error: "access_denied", state: started.pending.state })
        const error = yield* Effect.flip(Authorize.complete({ sessionId: "s", query: queryOf(pressed.location) }))
        assert.strictEqual(error._tag, "AuthorizationDenied")
        assert.strictEqual(error.message, "access to Test was not granted; nothing was stored — connect again to retry")
        assert.strictEqual(provider.received.length, 0)
      }).pipe(withConnector(oauth(provider)))
    }))

  it.scoped("HTTP Basic client authentication when the declaration says so", () =>
    Effect.gen(function*() {
      const provider = yield* serveProvider()
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "test-service", sessionId: "s", redirectUri })
        const pressed = yield* press(started.url, "allow")
        yield* Authorize.complete({ sessionId: "s", query: queryOf(pressed.location) })
        assert.isUndefined(provider.received[0]!["client_secret"])
      }).pipe(withConnector({ ...oauth(provider), clientAuth: "basic" }))
    }))

  it.scoped("the exchange maps every token-endpoint failure to a typed error", () =>
    Effect.gen(function*() {
      const provider = yield* serveProvider()
      const method = oauth(provider)
      const pressAllow = Effect.gen(function*() {
        const pair = yield* Pkce.make
        const url = Authorize.authorizationUrl(method, { authorizeUrl: `${provider.url}/authorize`, clientId: "client-1", redirectUri, state: "x", challenge: pair.challenge })
        const pressed = yield* press(url, "allow")
        return { pair, code: Redacted.make(pressed.location.searchParams.get("code")!) }
      })
      const base = { service: "Test", method, tokenUrl: `${provider.url}/token`, client, redirectUri }

      const first = yield* pressAllow
      const grant = yield* Authorize.exchange({ ...base, code: first.code, verifier: first.pair.verifier })
      assert.deepStrictEqual(Option.map(grant.refreshToken, Redacted.value), Option.some("refresh-1"))
      const reused = yield* Effect.flip(Authorize.exchange({ ...base, code: first.code, verifier: first.pair.verifier }))
      assert.strictEqual(reused._tag, "AuthorizationCodeRejected")
      assert.include(reused.message, "did not accept the authorization code (invalid_grant (The authorization code is invalid or was already used.))")

      const second = yield* pressAllow
      const other = yield* Pkce.make
      const wrongVerifier = yield* Effect.flip(Authorize.exchange({ ...base, code: second.code, verifier: other.verifier }))
      assert.strictEqual(wrongVerifier._tag, "AuthorizationCodeRejected")

      const third = yield* pressAllow
      const wrongClient = yield* Effect.flip(Authorize.exchange({ ...base, client: { ...client, clientSecret: Redacted.make("nope") }, code: third.code, verifier: third.pair.verifier }))
      assert.strictEqual(wrongClient._tag, "InvalidConfig")
      assert.include(wrongClient.message, "the Test OAuth client (the connector's operator settings)")
    }))

  it.scoped("a token endpoint that fails or answers nonsense ends in ServiceUnavailable or MalformedResponse, never a defect", () =>
    Effect.gen(function*() {
      let answer: () => Response = () => new Response("oops", { status: 503 })
      const provider = yield* serveProvider(() => answer())
      const code = Redacted.make("c")
      const base = { service: "Test", method: oauth(provider), tokenUrl: `${provider.url}/token`, client, redirectUri, code, verifier: code }
      const exchange = Authorize.exchange(base).pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(0)), Effect.flip)
      assert.strictEqual((yield* exchange)._tag, "ServiceUnavailable")
      answer = () => new Response("<html>proxy error</html>", { status: 400 })
      assert.strictEqual((yield* exchange)._tag, "MalformedResponse")
      answer = () => HttpResponse.json({ token_type: "bearer" })
      assert.strictEqual((yield* exchange)._tag, "MalformedResponse")
      answer = () => HttpResponse.json({ error: "unsupported_grant_type" }, { status: 400 })
      assert.strictEqual((yield* exchange)._tag, "InvalidConfig")
      answer = () => new Response(null, { status: 302, headers: { location: "https://elsewhere.example/" } })
      assert.strictEqual((yield* exchange)._tag, "MalformedResponse")
    }))

  it.scoped("a token endpoint that never answers ends within the request timeout", () =>
    Effect.gen(function*() {
      const provider = yield* serveProvider(() => new Promise<Response>(() => {}) as unknown as Response)
      const code = Redacted.make("c")
      const error = yield* Authorize.exchange({
        service: "Test",
        method: oauth(provider),
        tokenUrl: `${provider.url}/token`,
        client,
        redirectUri,
        code,
        verifier: code,
        timeout: "5 seconds"
      }).pipe(Effect.provideService(Http.RetrySchedule, Schedule.recurs(0)), Effect.flip, driveClock)
      assert.strictEqual(error._tag, "ServiceUnavailable")
      assert.include(error.message, "no answer within 5s")
    }))

  it.scoped("a grant without the refresh token the declaration fills stores nothing and says what is missing", () =>
    Effect.gen(function*() {
      const provider = yield* serveProvider(() => HttpResponse.json({ access_token: "a" }))
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "test-service", sessionId: "s", redirectUri })
        const error = yield* Effect.flip(Authorize.complete({ sessionId: "s", query: { code: "any", state: started.pending.state } }))
        assert.strictEqual(error._tag, "MalformedResponse")
        assert.include(error.message, "no refreshToken for the import's refreshToken")
      }).pipe(withConnector(oauth(provider)))
    }))

  it.scoped("callbacks that cannot be trusted are refused before any token request", () =>
    Effect.gen(function*() {
      const provider = yield* serveProvider()
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "test-service", sessionId: "s", redirectUri })
        const tags = []
        for (const [sessionId, query] of [
          ["s", { code: "c" }],
          ["s", { code: "c", state: "forged" }],
          ["other", { code: "c", state: started.pending.state }],
          ["s", { code: "c".repeat(5000), state: started.pending.state }]
        ] as const) {
          const error = yield* Effect.flip(Authorize.complete({ sessionId, query }))
          tags.push(error._tag === "AuthorizationStateInvalid" ? error.reason : error._tag)
        }
        assert.deepStrictEqual(tags, ["missing", "unknown", "other-session", "AuthorizationDenied"])
        yield* TestClock.adjust("10 minutes")
        const late = yield* Effect.flip(Authorize.complete({ sessionId: "s", query: { code: "c", state: started.pending.state } }))
        assert.strictEqual(late._tag === "AuthorizationStateInvalid" && late.reason, "expired")
        assert.strictEqual(provider.received.length, 0)
      }).pipe(withConnector(oauth(provider)))
    }))

  it.scoped("start refuses a missing client, bad typed input and non-http endpoints with one line naming them", () =>
    Effect.gen(function*() {
      const provider = yield* serveProvider()
      const withInput: Authorization.OAuth2<any> = {
        ...oauth(provider),
        input: [{ key: "shop", label: "Shop", secret: false }],
        endpoints: (_, input) => /^[a-z-]+$/.test(input["shop"]!) ? Either.right({ authorizeUrl: "javascript:alert(1)", tokenUrl: "x" }) : Either.left("Shop: not a shop handle")
      }
      const errors = yield* Effect.gen(function*() {
        const messages = []
        for (const input of [{}, { shop: "evil.example/" }, { shop: "ok" }]) {
          messages.push((yield* Effect.flip(Authorize.start({ connectorId: "test-service", sessionId: "s", redirectUri, input }))).message)
        }
        return messages
      }).pipe(withConnector(withInput))
      assert.deepStrictEqual(errors, [
        "invalid configuration in the Test connection form: Shop (shop) is required",
        "invalid configuration in the test-service connection form: Shop: not a shop handle",
        "invalid configuration in connector test-service settings: authorizeUrl \"javascript:alert(1)\" is not an http(s) URL"
      ])
      for (const returnTo of ["https://evil.example/", "//evil.example/", "/\\evil.example"]) {
        const open = yield* Effect.flip(Authorize.start({ connectorId: "test-service", sessionId: "s", redirectUri, returnTo })).pipe(withConnector(oauth(provider)))
        assert.include(open.message, "is not a path on this site")
      }
      const noClient = yield* Effect.flip(Authorize.start({ connectorId: "test-service", sessionId: "s", redirectUri })).pipe(
        withConnector({ ...oauth(provider), client: () => Option.none() })
      )
      assert.include(noClient.message, "no OAuth client is registered for it")
    }))
})

describe("makeConsent", () => {
  it.effect("never redirects to a URI it cannot trust, and expires codes by the provider's clock", () =>
    Effect.gen(function*() {
      let now = 0
      const consent = makeConsent({ provider: "P", clients: { c: { appName: "A" } }, now: () => now, codeTtlMillis: 1000 })
      const bad = consent.page(new Request("http://p/authorize?client_id=c&response_type=code&redirect_uri=javascript:alert(1)"))
      assert.strictEqual(bad.status, 400)
      assert.isNull(bad.headers.get("location"))
      assert.strictEqual(consent.page(new Request("http://p/authorize?client_id=zz&redirect_uri=http://x/")).status, 400)
      const page = yield* Effect.promise(() => consent.page(new Request("http://p/authorize?client_id=c&response_type=code&redirect_uri=http://x/cb&state=s")).text())
      const id = /name="request" value="([^"]+)"/.exec(page)![1]!
      const answer = yield* Effect.promise(() => consent.decide(new Request("http://p/authorize", { method: "POST", body: new URLSearchParams({ request: id, decision: "allow" }) })))
      const code = new URL(answer.headers.get("location")!).searchParams.get("code")!
      now = 1000
      const late = consent.redeem({ code, redirect_uri: "http://x/cb" }, "c")
      assert.deepStrictEqual(late, { _tag: "Refused", error: "invalid_grant", description: "The authorization code has expired." })
    }))
})
