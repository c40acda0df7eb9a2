import { Connector, defineConnector, Domain } from "@autoimport/core"
import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Imports from "../src/Imports.js"
import * as Secrets from "../src/Secrets.js"

const connector = defineConnector({
  id: "vault",
  name: "Vault",
  version: "1.0.0",
  settings: Schema.Struct({}),
  config: Schema.Struct({
    user: Schema.String,
    credentials: Schema.Struct({ password: Schema.Redacted(Schema.String), scopes: Schema.Array(Schema.String) }),
    token: Schema.OptionFromNullOr(Schema.Redacted(Schema.String)),
    since: Schema.optional(Schema.DateFromString)
  }),
  cursor: Schema.Number,
  fields: [],
  deletions: "n/a",
  accountKey: (c) => c.user,
  pull: () => Stream.empty
})
const connectors = Connector.Connectors.fromList([{ connector, settings: {} }])

const imported = (config: unknown, connectorId = "vault") =>
  new Domain.Import({
    id: Domain.ImportId.make("1"),
    accountId: Domain.AccountId.make("default"),
    connectorId: connectorId as Domain.ConnectorId,
    name: "x",
    config,
    listIds: [],
    status: "active",
    statusReason: null,
    createdAt: new Date(0),
    updatedAt: new Date(0),
    deletedAt: null
  })

describe("Secrets", () => {
  it("masks every value the connector's schema declares Redacted, however deep", () => {
    const masked = Secrets.maskImportConfig(
      imported({ user: "ada", credentials: { password: "hunter2", scopes: ["read"] }, token: "tok", since: "2026-01-02T00:00:00.000Z" }),
      connectors
    )
    assert.deepStrictEqual(masked, {
      _tag: "Masked",
      value: { user: "ada", credentials: { password: "<redacted>", scopes: ["read"] }, token: "<redacted>", since: "2026-01-02T00:00:00.000Z" }
    })
    assert.notInclude(JSON.stringify(masked), "hunter2")
  })

  it("a config that no longer decodes is never shown raw", () => {
    const masked = Secrets.maskImportConfig(imported({ user: "ada", credentials: { password: "hunter2" } }), connectors)
    assert.strictEqual(masked._tag, "Unreadable")
    assert.notInclude(JSON.stringify(masked), "hunter2")
    assert.include(JSON.stringify(masked), "scopes")
  })

  it("without its connector nothing of the config is shown", () => {
    const masked = Secrets.maskImportConfig(imported({ password: "hunter2" }, "gone"), connectors)
    assert.strictEqual(masked._tag, "Unreadable")
    assert.notInclude(JSON.stringify(masked), "hunter2")
  })

  it("mask keeps plain values and turns Option into its value or null", () => {
    assert.deepStrictEqual(Secrets.mask({ a: Option.none(), b: Option.some(Redacted.make("s")), c: [1, "x", null] }), {
      a: null,
      b: "<redacted>",
      c: [1, "x", null]
    })
  })
})

describe("Imports.mergePatch", () => {
  it("replaces the keys given, removes those set to null, and merges nested objects", () => {
    const stored = { clientId: "a", refreshToken: "secret", criteria: { group: "friends", since: "2026" } }
    assert.deepStrictEqual(Imports.mergePatch(stored, { criteria: { group: null, stage: "lead" }, clientId: "b" }), {
      clientId: "b",
      refreshToken: "secret",
      criteria: { since: "2026", stage: "lead" }
    })
  })

  it("a non-object patch replaces the whole value", () => {
    assert.deepStrictEqual(Imports.mergePatch({ a: 1 }, ["x"]), ["x"])
  })
})
