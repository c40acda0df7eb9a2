/**
 * What one configuration key is, said once: its file key, its variable, the schemas of both,
 * its default, its range and what it means. runner/src/Config.ts derives the file's schema, the
 * known `AUTOIMPORT_*` variables and README's configuration table from these declarations
 * (runner/test/Config.test.ts keeps README and the declarations equal), so a key added here
 * cannot be missing from one of them.
 */
import * as Duration from "effect/Duration"
import * as Either from "effect/Either"
import type * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

export interface Setting<A> {
  /** The key in the file, with `.` between levels (`http.databaseTimeout`). */
  readonly key: string
  /** The environment variable that overrides it, if there is one. */
  readonly variable?: string
  /** The value as written in the file. */
  readonly file: Schema.Schema<A, any>
  /** The value as written in the variable (text). */
  readonly env?: Schema.Schema<A, string>
  readonly default?: A
  /** README's default column when the default is not a plain value (`<dataDir>/autoimport.db`). */
  readonly defaultText?: string
  /** Stated in README; the schemas above enforce it (their messages name it too). */
  readonly range?: { readonly min: number | Duration.Duration; readonly max: number | Duration.Duration }
  readonly description: string
}

/** A setting with a plain default: its value is always known. */
export type WithDefault<A> = Setting<A> & { readonly default: A }

/** Declares one key; the type parameter follows the file schema. */
export function setting<A>(declaration: WithDefault<A>): WithDefault<A>
export function setting<A>(declaration: Setting<A>): Setting<A>
export function setting<A>(declaration: Setting<A>): Setting<A> {
  return declaration
}

/**
 * The file's schema: one optional field per key, keys with a `.` nested in their own struct.
 * Every level rejects unknown keys when decoded with `onExcessProperty: "error"`.
 */
export const fileSchema = (settings: ReadonlyArray<Setting<any>>): Schema.Schema<Record<string, unknown>, any> => {
  const top: Record<string, Schema.Schema.Any | Record<string, Schema.Schema.Any>> = {}
  for (const s of settings) {
    const [first, ...rest] = s.key.split(".")
    if (rest.length === 0) top[first!] = s.file
    else ((top[first!] ??= {}) as Record<string, Schema.Schema.Any>)[rest.join(".")] = s.file
  }
  const optional = (value: Schema.Schema.Any | Record<string, Schema.Schema.Any>) =>
    Schema.optional(Schema.isSchema(value) ? value : Schema.Struct(mapValues(value, (v) => Schema.optional(v))))
  return Schema.Struct(mapValues(top, optional)) as any
}

const mapValues = <A, B>(record: Record<string, A>, f: (a: A) => B): Record<string, B> =>
  Object.fromEntries(Object.entries(record).map(([k, v]) => [k, f(v)]))

/** Every variable with its schema, in declaration order. */
export const variables = (settings: ReadonlyArray<Setting<any>>): ReadonlyMap<string, Schema.Schema<unknown, string>> =>
  new Map(settings.flatMap((s) => (s.variable !== undefined && s.env !== undefined ? [[s.variable, s.env] as const] : [])))

/** Decodes one variable's text with its schema. */
export const decodeVariable = (schema: Schema.Schema<unknown, string>, text: string): Either.Either<unknown, ParseResult.ParseError> =>
  Schema.decodeUnknownEither(schema)(text)

/** The decoded file and variables, and which of them gave a key its value. */
export interface Sources {
  readonly file: Record<string, unknown>
  /** Decoded values by variable name. */
  readonly env: Readonly<Record<string, unknown>>
}

/** Whether the variable (not the file) gave this key its value. */
export const fromEnv = (sources: Sources, s: Setting<any>): boolean => s.variable !== undefined && sources.env[s.variable] !== undefined

/** The value given for a key: the variable overrides the file; `undefined` when neither has it. */
export const given = <A>(sources: Sources, s: Setting<A>): A | undefined => {
  if (fromEnv(sources, s)) return sources.env[s.variable!] as A
  let value: unknown = sources.file
  for (const part of s.key.split(".")) value = (value as Record<string, unknown> | undefined)?.[part]
  return value as A | undefined
}

/** The value given for a key, else its default. */
export const value = <A>(sources: Sources, s: WithDefault<A>): A => given(sources, s) ?? s.default

// ---- README -------------------------------------------------------------------------------

const day = Duration.toMillis(Duration.days(1))
const units: ReadonlyArray<readonly [number, string]> = [[3_600_000, "h"], [60_000, "m"], [1_000, "s"], [1, "ms"]]

/** How README writes a duration: `30m`, `100ms`, `7 days`, `0`. */
export const formatDuration = (duration: Duration.Duration): string => {
  const ms = Duration.toMillis(duration)
  if (ms === 0) return "0"
  if (ms % day === 0) return `${ms / day} day${ms === day ? "" : "s"}`
  const [factor, unit] = units.find(([factor]) => ms % factor === 0)!
  return `${ms / factor}${unit}`
}

const formatValue = (v: unknown): string => (Duration.isDuration(v) ? formatDuration(v) : String(v))

/** README's row for one key. */
export const readmeRow = (s: Setting<any>): string => {
  const variable = s.variable === undefined ? "—" : `\`${s.variable}\``
  const fallback = s.defaultText ?? `\`${formatValue(s.default)}\``
  const range = s.range === undefined ? "" : `; range ${formatValue(s.range.min)}–${formatValue(s.range.max)}`
  return `| \`${s.key}\` | ${variable} | ${fallback} | ${s.description}${range} |`
}

/** README's configuration table, header included. */
export const readmeTable = (settings: ReadonlyArray<Setting<any>>): string =>
  ["| key | variable | default | meaning |", "|---|---|---|---|", ...settings.map(readmeRow)].join("\n")
