import { Authorize, PendingAuthorizations } from "@autoimport/connector-kit"
import { layerPull, pressConsent, serveFake } from "@autoimport/connector-kit/testing"
import { Connectors, decodeConfig } from "@autoimport/core/Connector"
import { assert, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { GoogleContacts, Settings } from "../src/index.js"
import { makeGoogleFake } from "../src/fake/index.js"

const redirectUri = "http://127.0.0.1:8080/oauth/callback"

/** The fake on loopback, and the runner's side: the connector loaded with the fake's settings, a pending store. */
const setup = Effect.gen(function*() {
  const fake = makeGoogleFake({ seed: 21, size: 30 })
  const { url } = yield* serveFake(fake.handlers)
  const settings = Schema.decodeUnknownSync(Settings)({ ...fake.settings(url), requestsPerMinute: 600_000 })
  const services = Layer.merge(
    Layer.succeed(Connectors, Connectors.fromList([{ connector: GoogleContacts, settings }])),
    PendingAuthorizations.layer()
  )
  return { fake, url, settings, services }
})

const query = (url: URL) => Object.fromEntries(url.searchParams)

layer(layerPull)("Google Contacts: Connect with Google against the fake", (it) => {
  it.scoped("consent page → Allow → code exchange fills clientId, clientSecret and refreshToken, and a sync with that config works", () =>
    Effect.gen(function*() {
      const { fake, services, settings } = yield* setup
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "google-contacts", sessionId: "browser-1", redirectUri })
        const asked = new URL(started.url)
        assert.strictEqual(asked.pathname, "/o/oauth2/v2/auth")
        assert.strictEqual(asked.searchParams.get("access_type"), "offline")
        assert.strictEqual(asked.searchParams.get("prompt"), "consent")
        assert.strictEqual(asked.searchParams.get("scope"), "https://www.googleapis.com/auth/contacts.readonly")
        const pressed = yield* pressConsent(started.url, "allow")
        assert.include(pressed.page, "autoimport (fake Google client) wants to access your Google account")
        assert.include(pressed.page, "<li>https://www.googleapis.com/auth/contacts.readonly</li>")
        const done = yield* Authorize.complete({ sessionId: "browser-1", query: query(pressed.location) })
        const config = yield* decodeConfig(GoogleContacts, "the new import", Redacted.value(done.config))
        assert.strictEqual(config.clientId, fake.credentials.clientId)
        assert.notStrictEqual(Redacted.value(config.refreshToken), fake.refreshToken(), "a new grant, not the seeded one")
        const pages = yield* GoogleContacts.pull({ settings, config, cursor: Option.none(), budget: 1000, saveConfig: () => Effect.void }).pipe(Stream.runCollect)
        assert.deepStrictEqual(Chunk.toReadonlyArray(pages).flatMap((page) => page.records), [...fake.expected()])
      }).pipe(Effect.provide(services))
    }))

  it.scoped("Deny: the callback carries error=access_denied and the state, and ends in AuthorizationDenied", () =>
    Effect.gen(function*() {
      const { fake, services } = yield* setup
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "google-contacts", sessionId: "browser-1", redirectUri })
        const pressed = yield* pressConsent(started.url, "deny")
        assert.deepStrictEqual(query(pressed.location), { error: "access_denied", state: started.pending.state })
        const error = yield* Effect.flip(Authorize.complete({ sessionId: "browser-1", query: query(pressed.location) }))
        assert.strictEqual(error.message, "access to Google Contacts was not granted; nothing was stored — connect again to retry")
        assert.strictEqual(fake.counts.token, 0)
      }).pipe(Effect.provide(services))
    }))

  it.scoped("a reused code and a wrong verifier are refused as invalid_grant (AuthorizationCodeRejected)", () =>
    Effect.gen(function*() {
      const { fake, services, settings } = yield* setup
      const method = GoogleContacts.authorization![0]! as Parameters<typeof Authorize.exchange>[0]["method"]
      const client = { clientId: fake.credentials.clientId, clientSecret: fake.credentials.clientSecret }
      yield* Effect.gen(function*() {
        const first = yield* Authorize.start({ connectorId: "google-contacts", sessionId: "b", redirectUri })
        const allowed = yield* pressConsent(first.url, "allow")
        yield* Authorize.complete({ sessionId: "b", query: query(allowed.location) })
        const code = Redacted.make(allowed.location.searchParams.get("code")!)
        const exchange = (verifier: Redacted.Redacted<string>, code: Redacted.Redacted<string>) =>
          Effect.flip(Authorize.exchange({ service: "Google Contacts", method, tokenUrl: settings.tokenUrl, client, code, redirectUri, verifier }))
        const reused = yield* exchange(first.pending.verifier, code)
        assert.strictEqual(reused._tag, "AuthorizationCodeRejected")

        const second = yield* Authorize.start({ connectorId: "google-contacts", sessionId: "b", redirectUri })
        const again = yield* pressConsent(second.url, "allow")
        const wrong = yield* exchange(first.pending.verifier, Redacted.make(again.location.searchParams.get("code")!))
        assert.strictEqual(wrong._tag, "AuthorizationCodeRejected")
        assert.include(wrong.message, "Invalid code verifier.")
      }).pipe(Effect.provide(services))
    }))

  it.scoped("a state older than ten minutes is refused before any token request", () =>
    Effect.gen(function*() {
      const { fake, services } = yield* setup
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "google-contacts", sessionId: "b", redirectUri })
        const pressed = yield* pressConsent(started.url, "allow")
        yield* TestClock.adjust("10 minutes")
        const error = yield* Effect.flip(Authorize.complete({ sessionId: "b", query: query(pressed.location) }))
        assert.strictEqual(error._tag === "AuthorizationStateInvalid" && error.reason, "expired")
        assert.strictEqual(fake.counts.token, 0)
      }).pipe(Effect.provide(services))
    }))
})
