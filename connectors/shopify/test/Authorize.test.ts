import { Authorize, PendingAuthorizations } from "@autoimport/connector-kit"
import { layerPull, pressConsent } from "@autoimport/connector-kit/testing"
import { Authorization } from "@autoimport/core"
import { Connectors, decodeConfig } from "@autoimport/core/Connector"
import { assert, layer } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { connector as Shopify, type Config } from "../src/index.js"
import * as Fake from "../src/fake/index.js"
import { setup as serveShop } from "./helpers.js"

const redirectUri = "http://127.0.0.1:8080/oauth/callback"

const setup = Effect.gen(function*() {
  const env = yield* serveShop({ seed: 41, size: 30 }, { settings: { oauthClient: { clientId: Fake.clientId, clientSecret: Fake.clientSecret } } })
  const services = Layer.merge(
    Layer.succeed(Connectors, Connectors.fromList([{ connector: Shopify, settings: env.settings }])),
    PendingAuthorizations.layer()
  )
  return { ...env, services }
})

const query = (url: URL) => Object.fromEntries(url.searchParams)
const oauthMethod = Shopify.authorization!.find((m): m is Authorization.OAuth2<any> => m._tag === "OAuth2")!

const syncAll = (env: Effect.Effect.Success<typeof setup>, config: Config) =>
  Shopify.pull({ settings: env.settings, config, cursor: Option.none(), budget: 1000, saveConfig: () => Effect.void }).pipe(
    Stream.runCollect,
    Effect.map((pages) => Chunk.toReadonlyArray(pages).flatMap((page) => page.records))
  )

layer(layerPull)("Shopify: Connect with Shopify against the fake", (it) => {
  it.scoped("shop → consent page → Allow → an expiring grant fills shop and credentials, and a sync with that config works", () =>
    Effect.gen(function*() {
      const env = yield* setup
      yield* Effect.gen(function*() {
        const started = yield* Authorize.start({ connectorId: "shopify", sessionId: "b", redirectUri, input: { shop: " My-Store.myshopify.com " } })
        const asked = new URL(started.url)
        assert.strictEqual(`${asked.origin}${asked.pathname}`, `${env.url}/admin/oauth/authorize`)
        assert.strictEqual(asked.searchParams.get("scope"), "read_customers")
        const pressed = yield* pressConsent(started.url, "allow")
        assert.include(pressed.page, "autoimport (fake Shopify app) wants to access your Shopify account")
        const done = yield* Authorize.complete({ sessionId: "b", query: query(pressed.location) })
        assert.isTrue(Option.isSome(done.grant.expiresIn), "expiring=1 asked for an expiring offline token")
        const config = yield* decodeConfig(Shopify, "the new import", Redacted.value(done.config))
        assert.strictEqual(config.shop, "my-store")
        const records = yield* syncAll(env, config)
        assert.strictEqual(records.length, [...env.shop.customers()].length)
      }).pipe(Effect.provide(env.services))
    }))

  it.scoped("a shop that is not a handle never becomes a URL", () =>
    Effect.gen(function*() {
      const env = yield* setup
      const error = yield* Effect.flip(Authorize.start({ connectorId: "shopify", sessionId: "b", redirectUri, input: { shop: "evil.example/x?" } })).pipe(
        Effect.provide(env.services)
      )
      assert.strictEqual(error.message, "invalid configuration in the shopify connection form: Shop: expected a shop handle such as my-store or my-store.myshopify.com")
    }))

  it.scoped("the custom app form makes a config that syncs", () =>
    Effect.gen(function*() {
      const env = yield* setup
      const token = yield* Effect.promise(async () => {
        const answer = await fetch(`${env.url}/admin/oauth/access_token`, {
          method: "POST",
          body: new URLSearchParams({ client_id: Fake.clientId, client_secret: Fake.clientSecret, code: env.shop.authorizationCode() })
        })
        return ((await answer.json()) as { access_token: string }).access_token
      })
      const form = Shopify.authorization!.find((m) => m._tag === "KeyForm")!
      const fragment = Either.getOrThrow(Authorization.configFragment(form, { shop: "my-store", "credentials.accessToken": token }))
      const config = yield* decodeConfig(Shopify, "the new import", Redacted.value(fragment))
      assert.strictEqual((yield* syncAll(env, config)).length, [...env.shop.customers()].length)
    }))

  it.scoped("Deny, a reused code, a wrong verifier and an expired state end in typed errors, storing nothing", () =>
    Effect.gen(function*() {
      const env = yield* setup
      const client = { clientId: Fake.clientId, clientSecret: Redacted.make(Fake.clientSecret) }
      yield* Effect.gen(function*() {
        const start = Authorize.start({ connectorId: "shopify", sessionId: "b", redirectUri, input: { shop: "my-store" } })
        const denied = yield* start
        const deny = yield* pressConsent(denied.url, "deny")
        assert.deepStrictEqual(query(deny.location), { error: "access_denied", state: denied.pending.state })
        assert.strictEqual((yield* Effect.flip(Authorize.complete({ sessionId: "b", query: query(deny.location) })))._tag, "AuthorizationDenied")

        const first = yield* start
        const allowed = yield* pressConsent(first.url, "allow")
        yield* Authorize.complete({ sessionId: "b", query: query(allowed.location) })
        const exchange = (verifier: Redacted.Redacted<string>, url: URL) =>
          Effect.flip(Authorize.exchange({
            service: "Shopify",
            method: oauthMethod,
            tokenUrl: `${env.url}/admin/oauth/access_token`,
            client,
            code: Redacted.make(url.searchParams.get("code")!),
            redirectUri,
            verifier
          }))
        assert.strictEqual((yield* exchange(first.pending.verifier, allowed.location))._tag, "AuthorizationCodeRejected")
        const second = yield* start
        const again = yield* pressConsent(second.url, "allow")
        assert.strictEqual((yield* exchange(first.pending.verifier, again.location))._tag, "AuthorizationCodeRejected")

        const third = yield* start
        const late = yield* pressConsent(third.url, "allow")
        yield* TestClock.adjust("10 minutes")
        const expired = yield* Effect.flip(Authorize.complete({ sessionId: "b", query: query(late.location) }))
        assert.strictEqual(expired._tag === "AuthorizationStateInvalid" && expired.reason, "expired")
        assert.strictEqual(env.shop.consent.counts.redeemed, 1)
      }).pipe(Effect.provide(env.services))
    }))
})
