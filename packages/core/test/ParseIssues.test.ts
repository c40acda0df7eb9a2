import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { formatParseError } from "../src/Connector.js"
import * as ParseIssues from "../src/ParseIssues.js"

const Settings = Schema.Struct({
  pageSize: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 50)), { default: () => 50 }),
  label: Schema.optional(Schema.String),
  retries: Schema.optionalWith(Schema.NumberFromString, { default: () => 3 }),
  mode: Schema.Literal("fast", "slow"),
  owner: Schema.NullOr(Schema.String)
})

const problems = (input: unknown) =>
  Effect.flip(Schema.decodeUnknown(Settings)(input, { errors: "all" })).pipe(
    Effect.map((error) => ParseIssues.describe(error).map((issue) => `${issue.path.join(".")}: ${issue.message}`))
  )

describe("ParseIssues.describe", () => {
  it.effect("says a bad value of an optional key once, without \"Expected undefined\" (issue 15)", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* problems({ pageSize: 500, mode: "fast", owner: null }), [
        "pageSize: Expected a number between 1 and 50, actual 500"
      ])
      assert.deepStrictEqual(yield* problems({ label: 3, retries: "x", mode: "fast", owner: null }), [
        "label: Expected string, actual 3",
        "retries: Unable to decode \"x\" into a number"
      ])
    }))

  it.effect("keeps the alternatives of a real union, and a missing required key", () =>
    Effect.gen(function*() {
      assert.deepStrictEqual(yield* problems({ mode: "medium", owner: 5 }), [
        "mode: Expected \"fast\", actual \"medium\"",
        "mode: Expected \"slow\", actual \"medium\"",
        "owner: Expected string, actual 5",
        "owner: Expected null, actual 5"
      ])
      assert.deepStrictEqual(yield* problems({ owner: null }), ["mode: is missing"])
    }))

  it.effect("a value that may only be undefined still says so", () =>
    Effect.gen(function*() {
      const only = yield* Effect.flip(Schema.decodeUnknown(Schema.Struct({ a: Schema.Undefined }))({ a: 1 }))
      assert.deepStrictEqual(ParseIssues.describe(only).map((i) => i.message), ["Expected undefined, actual 1"])
    }))

  it.effect("formatParseError (import configs, response bodies) says each problem once too", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(Schema.decodeUnknown(Settings)({ pageSize: 0, mode: "fast", owner: "x" }))
      assert.strictEqual(formatParseError(error), "pageSize: Expected a number between 1 and 50, actual 0")
    }))
})
