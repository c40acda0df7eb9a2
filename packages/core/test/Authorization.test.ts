import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Authorization from "../src/Authorization.js"
import { defineConnector } from "../src/Connector.js"

const oauth: Authorization.OAuth2<{ readonly base: string }> = {
  _tag: "OAuth2",
  id: "oauth",
  label: "Connect",
  scopes: ["read"],
  input: [{ key: "shop", label: "Shop", secret: false }],
  fills: { "credentials.clientId": "clientId", "credentials.clientSecret": "clientSecret", "credentials.refreshToken": "refreshToken" },
  constants: { "credentials._tag": "oauth" },
  endpoints: (settings) => Either.right({ authorizeUrl: `${settings.base}/authorize`, tokenUrl: `${settings.base}/token` }),
  client: () => Option.none()
}

const form: Authorization.KeyForm = {
  _tag: "KeyForm",
  id: "token",
  label: "Access token",
  fields: [{ key: "credentials.accessToken", label: "Token", secret: true }]
}

const define = (authorization?: ReadonlyArray<Authorization.Method<any>>) =>
  defineConnector({
    id: "test-service",
    name: "Test",
    version: "0.0.0",
    settings: Schema.Struct({ base: Schema.String }),
    config: Schema.Unknown,
    cursor: Schema.Unknown,
    fields: [],
    deletions: "none",
    accountKey: () => "test",
    ...(authorization === undefined ? {} : { authorization }),
    pull: () => Stream.empty
  })

describe("Authorization", () => {
  it("a connector without a declaration keeps working; one with a valid declaration keeps it", () => {
    assert.isUndefined(define().authorization)
    assert.strictEqual(define([oauth, form]).authorization?.length, 2)
  })

  it("defineConnector rejects a declaration that cannot work, naming the method and the problem", () => {
    assert.throws(() => define([oauth, { ...form, id: "oauth" }]), /authorization method id "oauth" is used twice/)
    assert.throws(() => define([{ ...form, fields: [{ key: "a..b", label: "A", secret: false }] }]), /method "token" is invalid: .*identifiers joined by dots/)
    assert.throws(() => define([{ ...oauth, fills: { refreshToken: "idToken" as any } }]), /method "oauth" is invalid/)
    assert.throws(() => define([{ ...oauth, constants: { "credentials.refreshToken": "x" } }]), /writes config key "credentials.refreshToken" twice/)
    assert.throws(() => define([{ ...oauth, constants: { credentials: "x" } }]), /writes both "credentials.clientId" and "credentials"/)
    assert.throws(() => define([{ ...oauth, endpoints: undefined as any }]), /needs endpoints and client functions/)
    assert.throws(() => define([{ ...form, extra: 1 } as any]), /method "token" is invalid/)
    assert.throws(() => define([{ ...form, constants: { "a.__proto__": "x" } }]), /constants.a.__proto__: is unexpected/)
  })

  it("configFragment writes typed values, grant values and constants at their dotted keys", () => {
    const fragment = Authorization.configFragment(oauth, { shop: "my-store" }, {
      clientId: "client",
      clientSecret: Redacted.make("secret"),
      refreshToken: Redacted.make("refresh")
    })
    assert.deepStrictEqual(Either.map(fragment, Redacted.value), Either.right({
      shop: "my-store",
      credentials: { clientId: "client", clientSecret: "secret", refreshToken: "refresh", _tag: "oauth" }
    }))
    assert.notInclude(String(Either.getOrThrow(fragment)), "secret", "the fragment prints redacted")
  })

  it("configFragment names the key it has no value for: an empty typed field, or a token the service did not issue", () => {
    assert.deepStrictEqual(Authorization.configFragment(oauth, { shop: " " }, {}), Either.left({ key: "shop", from: "typed" }))
    assert.deepStrictEqual(
      Authorization.configFragment(oauth, { shop: "s" }, { clientId: "c", clientSecret: "s", accessToken: "a" }),
      Either.left({ key: "credentials.refreshToken", from: "refreshToken" })
    )
    assert.deepStrictEqual(
      Either.map(Authorization.configFragment(form, { "credentials.accessToken": "shpat_1" }), Redacted.value),
      Either.right({ credentials: { accessToken: "shpat_1" } })
    )
  })

  it.effect("the flow's errors read as one line that says nothing was stored", () =>
    Effect.gen(function*() {
      const denied = yield* Effect.flip(new Authorization.AuthorizationDenied({ service: "Google Contacts", error: "access_denied" }))
      assert.strictEqual(denied.message, "access to Google Contacts was not granted; nothing was stored — connect again to retry")
      const rejected = new Authorization.AuthorizationCodeRejected({ service: "HubSpot", detail: "invalid_grant" })
      assert.match(rejected.message, /^HubSpot did not accept the authorization code \(invalid_grant\).*nothing was stored/)
      for (const reason of ["missing", "unknown", "expired", "used", "other-session"] as const) {
        assert.notInclude(new Authorization.AuthorizationStateInvalid({ reason }).message, "\n")
      }
    }))
})
