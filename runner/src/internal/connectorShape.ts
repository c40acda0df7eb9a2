/**
 * What is wrong with a module's default export as a connector, member by member. The core's
 * `isConnector` only answers yes or no, and "has no connector as its default export" left an
 * author guessing which member they forgot (issue 15).
 */
import { ConnectorId, FieldDefinition } from "@autoimport/core/Domain"
import { ConnectorTypeId } from "@autoimport/core/Connector"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import { describeParseError } from "../Config.js"

type Kind = "a string" | "a function" | "an effect/Schema" | "an array"

/**
 * The members the runner and the engine use. `version` is not among them: the runner reads it
 * from the package. The test is by shape, not by the runner's own classes: a connector with
 * another copy of `effect` still passes (`Schema.isSchema` goes by a `Symbol.for` key).
 */
const required: ReadonlyArray<readonly [string, Kind]> = [
  ["id", "a string"],
  ["name", "a string"],
  ["coreVersion", "a string"],
  ["settings", "an effect/Schema"],
  ["config", "an effect/Schema"],
  ["cursor", "an effect/Schema"],
  ["fields", "an array"],
  ["deletions", "a string"],
  ["accountKey", "a function"],
  ["pull", "a function"]
]

const is = (kind: Kind, value: unknown): boolean => {
  switch (kind) {
    case "a string":
      return typeof value === "string"
    case "a function":
      return typeof value === "function"
    case "an effect/Schema":
      return Schema.isSchema(value)
    case "an array":
      return Array.isArray(value)
  }
}

const describeValue = (value: unknown): string =>
  value === null ? "null" : Array.isArray(value) ? "an array" : Schema.isSchema(value) ? "a Schema" : `a ${typeof value}`

const Fields = Schema.Array(Schema.Struct(FieldDefinition.fields))

/**
 * Every problem of `value` as a connector, in a fixed order; none means it is one. Members are
 * checked for presence and type, then the values the runner relies on: a kebab-case id, field
 * definitions it can create fields from, the mark `defineConnector` sets.
 */
export const problems = (value: unknown): ReadonlyArray<string> => {
  if (typeof value !== "object" || value === null) return [`it is ${describeValue(value)}, not a connector object`]
  const record = value as Record<PropertyKey, unknown>
  const missing: Array<string> = []
  const mistyped: Array<string> = []
  for (const [key, kind] of required) {
    if (record[key] === undefined) missing.push(`\`${key}\` (${kind})`)
    else if (!is(kind, record[key])) mistyped.push(`\`${key}\` is ${describeValue(record[key])}, not ${kind}`)
  }
  // Optional (the package's version wins), but a number here would be shown as it is.
  if (record.version !== undefined && typeof record.version !== "string") mistyped.push(`\`version\` is ${describeValue(record.version)}, not a string`)
  const out: Array<string> = []
  if (missing.length > 0) out.push(`it is missing ${missing.join(", ")}`)
  out.push(...mistyped)
  if (typeof record.id === "string" && !Schema.is(ConnectorId)(record.id)) {
    out.push(`\`id\` "${record.id}" is not kebab-case (lower-case letters and digits separated by single dashes, starting with a letter)`)
  }
  if (Array.isArray(record.fields)) {
    const fields = Schema.decodeUnknownEither(Fields)(record.fields, { errors: "all" })
    if (Either.isLeft(fields)) out.push(...describeParseError(fields.left).map((p) => `\`fields\`${p.startsWith("[") ? "" : ": "}${p}`))
  }
  if (record[ConnectorTypeId] !== ConnectorTypeId && missing.length + mistyped.length === 0) {
    out.push("it was not made with defineConnector (from @autoimport/core)")
  }
  return out
}
