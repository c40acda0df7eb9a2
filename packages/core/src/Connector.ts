/**
 * The contract between a connector package and the runner (docs/design.md §3,
 * docs/writing-a-connector.md). A package's default export is the value `defineConnector`
 * returns.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import type { ParseError } from "effect/ParseResult"
import type * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import type * as Stream from "effect/Stream"
import * as Authorization from "./Authorization.js"
import { ConnectorId, type FieldDefinition, type SourceRecord } from "./Domain.js"
import { type ConnectorError, ConnectorNotLoaded, InvalidConfig } from "./Errors.js"
import * as ParseIssues from "./ParseIssues.js"
import type { RateLimiter } from "./RateLimiter.js"
import * as UnknownKeys from "./internal/unknownKeys.js"
import { coreVersion } from "./Version.js"

/** One page of a pull: its records, and the position to commit once they are stored. */
export interface Page<Cursor> {
  readonly records: ReadonlyArray<SourceRecord>
  readonly cursor: Cursor
}

export interface PullRequest<Settings, Config, Cursor> {
  readonly settings: Settings
  readonly config: Config
  /** The last committed position; none for the first (or a full re-) sync. */
  readonly cursor: Option.Option<Cursor>
  /**
   * The most records this pull may deliver in all. Pages must not exceed what is left: a
   * connector that fetched more cuts the page and commits a cursor inside it.
   */
  readonly budget: number
  /** Stores a changed config right away (a rotated refresh token that must not be lost). */
  readonly saveConfig: (config: Config) => Effect.Effect<void>
}

/** What `pull` may use: the abstract HTTP client (the runner provides undici) and the shared limiter. */
export type PullServices = HttpClient.HttpClient | RateLimiter

export interface Connector<Settings = any, Config = any, Cursor = any> {
  readonly [ConnectorTypeId]: ConnectorTypeId
  readonly id: ConnectorId
  /** Shown to users, and the prefix of its fields and tags (R3). */
  readonly name: string
  /** The package's version: the runner sets it from the package.json it loaded the connector from. */
  readonly version: string
  /** The core version the connector was built with (checked by the runner). */
  readonly coreVersion: string
  readonly settings: Schema.Schema<Settings, any>
  readonly config: Schema.Schema<Config, any>
  readonly cursor: Schema.Schema<Cursor, any>
  readonly fields: ReadonlyArray<FieldDefinition>
  /** How deleted source records are handled, in words (shown by `autoimport connectors`). */
  readonly deletions: string
  /**
   * The external account an import reads (e.g. `shopify:my-store`): imports with the same key
   * are serialized and share one request budget.
   */
  readonly accountKey: (config: Config, settings: Settings) => string
  /**
   * How a user gives an import its credentials, in the order the setup dialog offers them: an
   * OAuth 2.0 authorization-code grant and/or a form of keys (`Authorization.ts`). Optional:
   * without it, the config is typed as JSON.
   */
  readonly authorization?: ReadonlyArray<Authorization.Method<Settings>>
  readonly pull: (request: PullRequest<Settings, Config, Cursor>) => Stream.Stream<Page<Cursor>, ConnectorError, PullServices>
}

export type AnyConnector = Connector<any, any, any>

export const ConnectorTypeId: unique symbol = Symbol.for("@autoimport/core/Connector")
export type ConnectorTypeId = typeof ConnectorTypeId

export interface ConnectorDefinition<Settings, Config, Cursor>
  extends Omit<Connector<Settings, Config, Cursor>, ConnectorTypeId | "coreVersion" | "id" | "version">
{
  readonly id: string
  /** Leave it out: the runner reads the version from the package (a copy here goes stale). */
  readonly version?: string
}

export const defineConnector = <Settings, Config, Cursor>(
  definition: ConnectorDefinition<Settings, Config, Cursor>
): Connector<Settings, Config, Cursor> => {
  const id = Schema.decodeUnknownSync(ConnectorId)(definition.id)
  const keys = new Set<string>()
  for (const field of definition.fields) {
    if (keys.has(field.key)) throw new Error(`connector ${id}: field key "${field.key}" is defined twice`)
    keys.add(field.key)
  }
  if (definition.authorization !== undefined) Authorization.validate(id, definition.authorization)
  return { ...definition, id, version: definition.version ?? "unknown", coreVersion, [ConnectorTypeId]: ConnectorTypeId }
}

/**
 * Whether a module export is a connector. Checked structurally (not only by the symbol), so a
 * connector bundling its own copy of the core is still recognised and then version-checked.
 */
export const isConnector = (u: unknown): u is AnyConnector =>
  typeof u === "object" && u !== null &&
  (u as any)[ConnectorTypeId] === ConnectorTypeId &&
  typeof (u as any).id === "string" && typeof (u as any).name === "string" &&
  typeof (u as any).pull === "function" && Schema.isSchema((u as any).config) &&
  Schema.isSchema((u as any).cursor) && Schema.isSchema((u as any).settings) &&
  Array.isArray((u as any).fields)

/** A connector with its operator settings, decoded from the runner's configuration. */
export interface LoadedConnector {
  readonly connector: AnyConnector
  readonly settings: unknown
}

export interface ConnectorsShape {
  readonly get: (id: string) => Effect.Effect<LoadedConnector, ConnectorNotLoaded>
  readonly all: ReadonlyArray<LoadedConnector>
}

/** The connectors the runner loaded. */
export class Connectors extends Context.Tag("@autoimport/core/Connectors")<Connectors, ConnectorsShape>() {
  static fromList(loaded: ReadonlyArray<LoadedConnector>): ConnectorsShape {
    const byId = new Map(loaded.map((l) => [l.connector.id as string, l]))
    return {
      all: loaded,
      get: (id) => {
        const found = byId.get(id)
        return found ? Effect.succeed(found) : Effect.fail(new ConnectorNotLoaded({ connectorId: id, loaded: [...byId.keys()] }))
      }
    }
  }
}

/** Decodes an import's config with the connector's schema; a mismatch names the path. */
export const decodeConfig = <C>(connector: Connector<any, C, any>, where: string, config: unknown) =>
  Schema.decodeUnknown(connector.config)(config).pipe(
    Effect.mapError((e) => new InvalidConfig({ where, detail: formatParseError(e) }))
  )

export interface DecodeInputOptions {
  /**
   * Which unknown keys to report, by path; the rest are dropped as decoding always did. An edit
   * merged over a stored config reports only the keys the user typed, so a key an older version
   * stored cannot block the edit.
   */
  readonly typed?: (path: ReadonlyArray<PropertyKey>) => boolean
}

/**
 * Decodes what a user typed (an import's config, a connector's settings) with `schema`. Unlike
 * stored data, input with a key the schema does not know is refused, at every nesting level: a
 * misspelt filter (`contactgroup`) dropped silently would import everything. The message names
 * the key and the closest known one.
 */
export const decodeInput = <A>(schema: Schema.Schema<A, any>, where: string, input: unknown, options: DecodeInputOptions = {}) =>
  Effect.suspend(() => {
    const strict = Schema.decodeUnknownEither(schema)(input, { errors: "all", onExcessProperty: "error" })
    if (Either.isRight(strict)) return Effect.succeed(strict.right)
    const unknown = UnknownKeys.find(strict.left.issue)
    const reported = unknown.filter((u) => options.typed?.(u.path) ?? true)
    // Each problem once: an optional key's "Expected undefined" alternative is not one.
    const others = ParseIssues.describe(strict.left).filter((issue) => issue._tag !== "Unexpected")
    if (others.length === 0 && reported.length === 0) {
      return Effect.mapError(Schema.decodeUnknown(schema)(input), (e) => new InvalidConfig({ where, detail: formatParseError(e) }))
    }
    const lines = [
      ...reported.map(({ known, path }) => {
        const key = String(path[path.length - 1])
        const suggestion = UnknownKeys.closest(key, known)
        return `${path.map(String).join(".")}: unknown key${
          suggestion !== undefined ? `, did you mean "${suggestion}"?` : known.length > 0 ? ` (known: ${known.join(", ")})` : ""
        }`
      }),
      ...others.map((issue) => `${issue.path.length ? issue.path.join(".") + ": " : ""}${issue.message}`)
    ]
    return Effect.fail(new InvalidConfig({ where, detail: lines.join("; ") }))
  })

/** One line per problem, each with its path: reads well in a CLI and in an import's status. */
export const formatParseError = (error: ParseError): string =>
  ParseIssues.describe(error)
    .map((issue) => `${issue.path.length ? issue.path.join(".") + ": " : ""}${issue.message}`)
    .join("; ")
