import { Authorize, PendingAuthorizations } from "@autoimport/connector-kit"
import { layerPull, pressConsent, serveFake } from "@autoimport/connector-kit/testing"
import { Authorization } from "@autoimport/core"
import { Connectors, decodeConfig } from "@autoimport/core/Connector"
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as TestClock from "effect/TestClock"
import { HubSpot } from "../src/index.js"
import { makeHubSpotFake } from "../src/fake/index.js"
import { pull, settingsFor } from "./helpers.js"

const redirectUri = "http://127.0.0.1:8080/oauth/callback"

const setup = Effect.gen(function*() {
  const fake = makeHubSpotFake({ seed: 31, size: 25, privateAppToken: "pat-na1-fake" })
  const { url } = yield* serveFake(fake.handlers)
  const settings = settingsFor(url, fake.oauthSettings(url))
  const services = Layer.merge(
    Layer.succeed(Connectors, Connectors.fromList([{ connector: HubSpot, settings }])),
    PendingAuthorizations.layer()
  )
  return { fake, url, settings, services }
})

const query = (url: URL) => Object.fromEntries(url.searchParams)
const oauthMethod = HubSpot.authorization!.find((m): m is Authorization.OAuth2<any> => m._tag === "OAuth2")!

layer(layerPull)("HubSpot: Connect with HubSpot against the fake", (it) => {
  it.scoped("consent page → Allow → code exchange fills the oauth credentials, and a sync with that config works", () =>
    Effect.gen(function*() {
      const { fake, services, settings } = yield* setup
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "hubspot", sessionId: "b", redirectUri })
        const asked = new URL(started.url)
        assert.strictEqual(asked.pathname, "/oauth/authorize")
        assert.strictEqual(asked.searchParams.get("scope"), "oauth crm.objects.contacts.read")
        const pressed = yield* pressConsent(started.url, "allow")
        assert.include(pressed.page, "autoimport (fake HubSpot app) wants to access your HubSpot account")
        const done = yield* Authorize.complete({ sessionId: "b", query: query(pressed.location) })
        const config = yield* decodeConfig(HubSpot, "the new import", Redacted.value(done.config))
        assert.strictEqual(config.credentials._tag, "oauth")
        const result = yield* pull({ settings, config })
        assert.deepStrictEqual(result.records.map((r) => r.externalId as string).sort(), fake.contacts().map((c) => c.id).sort())
      }).pipe(Effect.provide(services))
    }))

  it.scoped("the private app form makes a config that syncs", () =>
    Effect.gen(function*() {
      const { fake, settings } = yield* setup
      const form = HubSpot.authorization!.find((m) => m._tag === "KeyForm")!
      const fragment = Either.getOrThrow(Authorization.configFragment(form, { "credentials.accessToken": "pat-na1-fake" }))
      const config = yield* decodeConfig(HubSpot, "the new import", Redacted.value(fragment))
      const result = yield* pull({ settings, config })
      assert.strictEqual(result.records.length, fake.contacts().length)
    }))

  it.scoped("Deny ends in AuthorizationDenied with no token request", () =>
    Effect.gen(function*() {
      const { fake, services } = yield* setup
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "hubspot", sessionId: "b", redirectUri })
        const pressed = yield* pressConsent(started.url, "deny")
        assert.deepStrictEqual(query(pressed.location), { error: "access_denied", state: started.pending.state })
        const error = yield* Effect.flip(Authorize.complete({ sessionId: "b", query: query(pressed.location) }))
        assert.strictEqual(error._tag, "AuthorizationDenied")
        assert.strictEqual(fake.consent.counts.redeemed, 0)
      }).pipe(Effect.provide(services))
    }))

  it.scoped("a reused code and a wrong verifier are refused (AuthorizationCodeRejected); an expired state never reaches the token endpoint", () =>
    Effect.gen(function*() {
      const { fake, services, settings } = yield* setup
      const client = { clientId: fake.clientId, clientSecret: Redacted.make(fake.clientSecret) }
      yield* Effect.gen(function*() {
        const first = yield* Authorize.start({ connectorId: "hubspot", sessionId: "b", redirectUri })
        const allowed = yield* pressConsent(first.url, "allow")
        yield* Authorize.complete({ sessionId: "b", query: query(allowed.location) })
        const exchange = (verifier: Redacted.Redacted<string>, url: URL) =>
          Effect.flip(Authorize.exchange({
            service: "HubSpot",
            method: oauthMethod,
            tokenUrl: settings.tokenUrl,
            client,
            code: Redacted.make(url.searchParams.get("code")!),
            redirectUri,
            verifier
          }))
        assert.strictEqual((yield* exchange(first.pending.verifier, allowed.location))._tag, "AuthorizationCodeRejected")
        const second = yield* Authorize.start({ connectorId: "hubspot", sessionId: "b", redirectUri })
        const again = yield* pressConsent(second.url, "allow")
        assert.strictEqual((yield* exchange(first.pending.verifier, again.location))._tag, "AuthorizationCodeRejected")

        const third = yield* Authorize.start({ connectorId: "hubspot", sessionId: "b", redirectUri })
        const late = yield* pressConsent(third.url, "allow")
        yield* TestClock.adjust("10 minutes")
        const expired = yield* Effect.flip(Authorize.complete({ sessionId: "b", query: query(late.location) }))
        assert.strictEqual(expired._tag === "AuthorizationStateInvalid" && expired.reason, "expired")
        assert.strictEqual(fake.consent.counts.redeemed, 1, "only the first code was ever exchanged")
      }).pipe(Effect.provide(services))
    }))
})
