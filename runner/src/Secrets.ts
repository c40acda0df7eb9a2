/**
 * The one way an import's config reaches any output (CLI, admin API, logs): decoded with the
 * connector's schema, so the schema itself says which values are secret, and every `Redacted`
 * value printed as `<redacted>`. The stored (encoded) config is never printed.
 */
import type { Connector, Domain } from "@autoimport/core"
import * as DateTime from "effect/DateTime"
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { describeParseError } from "./Config.js"

export const redacted = "<redacted>"

/** The import's config for display, or why it cannot be shown. */
export type MaskedConfig =
  | { readonly _tag: "Masked"; readonly value: unknown }
  | { readonly _tag: "Unreadable"; readonly reason: string }

export const maskImportConfig = (
  imp: Domain.Import,
  connectors: Connector.ConnectorsShape
): MaskedConfig => {
  const loaded = connectors.all.find((l) => l.connector.id === imp.connectorId)
  if (loaded === undefined) {
    return { _tag: "Unreadable", reason: `connector "${imp.connectorId}" is not loaded, so its secrets cannot be told apart` }
  }
  return Either.match(Schema.decodeUnknownEither(loaded.connector.config)(imp.config), {
    onLeft: (e) => ({ _tag: "Unreadable", reason: `the stored config no longer matches the connector: ${describeParseError(e).join("; ")}` }),
    onRight: (decoded) => ({ _tag: "Masked", value: mask(decoded) })
  })
}

/** A plain JSON value for a decoded value: secrets masked, dates and durations as text. */
export const mask = (value: unknown): unknown => {
  if (Redacted.isRedacted(value)) return redacted
  if (value instanceof Date) return value.toISOString()
  if (DateTime.isDateTime(value)) return DateTime.formatIso(value)
  if (Duration.isDuration(value)) return Duration.format(value)
  if (Option.isOption(value)) return Option.match(value, { onNone: () => null, onSome: mask })
  if (Array.isArray(value)) return value.map(mask)
  if (value instanceof Uint8Array) return redacted
  if (typeof value === "object" && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mask(v)]))
  }
  if (typeof value === "bigint") return value.toString()
  return value
}
