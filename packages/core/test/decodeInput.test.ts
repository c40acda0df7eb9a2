import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { decodeConfig, decodeInput, defineConnector } from "../src/Connector.js"
import { closest, editDistance } from "../src/internal/unknownKeys.js"

const Config = Schema.Struct({
  clientId: Schema.String,
  contactGroup: Schema.optional(Schema.String),
  auth: Schema.optional(Schema.Struct({ tokenUrl: Schema.String, scopes: Schema.optional(Schema.Array(Schema.String)) }))
})

const problem = (input: unknown, options = {}) =>
  Effect.map(Effect.flip(decodeInput(Config, "--config", input, options)), (e) => e.message)

describe("decodeInput", () => {
  it.effect("an unknown key is refused with the closest known one, at every level", () =>
    Effect.gen(function*() {
      assert.strictEqual(
        yield* problem({ clientId: "a", contactgroup: "friends" }),
        `invalid configuration in --config: contactgroup: unknown key, did you mean "contactGroup"?`
      )
      assert.strictEqual(
        yield* problem({ clientId: "a", auth: { tokenUrl: "u", scope: ["x"] } }),
        `invalid configuration in --config: auth.scope: unknown key, did you mean "scopes"?`
      )
      assert.strictEqual(
        yield* problem({ clientId: "a", frobnicate: 1 }),
        `invalid configuration in --config: frobnicate: unknown key (known: clientId, contactGroup, auth)`
      )
      // Other problems are reported alongside.
      assert.include(yield* problem({ contactgroup: "x" }), "contactgroup: unknown key")
      assert.include(yield* problem({ contactgroup: "x" }), "clientId: is missing")
    }))

  it.effect("typed: only keys the user typed are reported; others are dropped as before", () =>
    Effect.gen(function*() {
      const merged = { clientId: "a", legacyKey: 1, contactGroup: "friends" }
      const decoded = yield* decodeInput(Config, "--config", merged, { typed: (path) => path[0] === "contactGroup" })
      assert.deepStrictEqual(decoded, { clientId: "a", contactGroup: "friends" })
      const nestedLegacy = yield* decodeInput(Config, "--config", { clientId: "a", auth: { tokenUrl: "u", legacy: 1 } }, { typed: (path) => path[0] === "clientId" })
      assert.deepStrictEqual(nestedLegacy, { clientId: "a", auth: { tokenUrl: "u" } })
      assert.include(yield* problem({ clientId: "a", legacyKey: 1, contactgrop: "x" }, { typed: (path: ReadonlyArray<PropertyKey>) => path[0] === "contactgrop" }), `contactgrop: unknown key, did you mean "contactGroup"?`)
    }))

  it.effect("a stored config with a key the connector no longer knows still decodes (the runner must not stop on it)", () =>
    Effect.gen(function*() {
      const connector = defineConnector({
        id: "test", name: "Test", version: "0", settings: Schema.Struct({}), config: Config, cursor: Schema.Unknown, fields: [],
        deletions: "-", accountKey: () => "k", pull: () => { throw new Error("unused") }
      })
      assert.deepStrictEqual(yield* decodeConfig(connector, "stored", { clientId: "a", removedOption: true }), { clientId: "a" })
    }))

  it("closest: case slips always, other slips up to a third of the word", () => {
    assert.strictEqual(closest("CLIENTID", ["clientId", "auth"]), "clientId")
    assert.strictEqual(closest("pageSise", ["pageSize", "baseUrl"]), "pageSize")
    assert.strictEqual(closest("zzz", ["pageSize", "baseUrl"]), undefined)
    assert.strictEqual(editDistance("kitten", "sitting"), 3)
  })
})
