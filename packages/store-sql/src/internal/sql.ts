/**
 * What every store module shares: the one boundary where infrastructure failures become defects,
 * row decoding, and the small value rules both dialects must agree on.
 */
import type { SqlError } from "@effect/sql/SqlError"
import * as Effect from "effect/Effect"
import type { ParseError } from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** Rows per multi-row statement: far below both dialects' bind-parameter limits. */
export const chunkSize = 500

export type { ParseError, SqlError }

type Infrastructure = SqlError | ParseError

const isInfrastructure = (error: unknown): error is Infrastructure =>
  typeof error === "object" && error !== null && "_tag" in error &&
  (error._tag === "SqlError" || error._tag === "ParseError")

/**
 * Infrastructure failures — a failing statement, a row that does not decode — are defects (see
 * the Store contract in packages/core/src/Store.ts); the typed errors of the contract stay.
 * Every operation a module hands to the Store goes through here, and nothing else turns a
 * failure into a defect.
 */
export const orDie = <A, E, R>(
  effect: Effect.Effect<A, E, R>
): Effect.Effect<A, Exclude<E, Extract<E, Infrastructure>>, R> =>
  Effect.catchIf(effect, (e): e is Extract<E, Infrastructure> => isInfrastructure(e), Effect.die)

/** Decodes a statement's rows; a row of another shape fails with a ParseError (a defect at {@link orDie}). */
export const rows = <A, I>(schema: Schema.Schema<A, I>) =>
<E, R>(statement: Effect.Effect<ReadonlyArray<unknown>, E, R>): Effect.Effect<ReadonlyArray<A>, E | ParseError, R> =>
  Effect.flatMap(statement, Schema.decodeUnknown(Schema.Array(schema)))

/** SQLite returns integers as numbers, Postgres returns 64-bit integers (ids, counts, epoch millis) as text. */
export const Int = Schema.Union(Schema.Number, Schema.NumberFromString)

/** Epoch milliseconds as stored. */
export const Millis = Schema.transform(Int, Schema.DateFromSelf, {
  strict: true,
  decode: (millis) => new Date(millis),
  encode: (date) => date.getTime()
})

/** A generated row id as the store shows it: the integer's decimal text, under the domain's brand. */
export const Id = <B extends string>(brand: Schema.Schema<B, string>) =>
  Schema.compose(
    Schema.transform(Int, Schema.String, { strict: true, decode: (key) => String(key), encode: Number }),
    brand
  )

/**
 * A text column written from an already branded value (account ids, external ids, emails): the
 * row gets the brand back without the brand's checks, because the store wrote what the caller
 * gave it (with U+0000 stripped, see {@link text}) and reading must not reject what writing took.
 */
export const Trusted = <B extends string>(brand: B) => Schema.String.pipe(Schema.brand(brand))

/** Postgres cannot store U+0000 in text; dropping it on both dialects keeps them equal. */
export const text = (value: string): string => (value.includes("\u0000") ? value.replaceAll("\u0000", "") : value)

/** Store ids are integers shown as text; anything else names no row. */
export const idKey = (id: string): number | undefined => {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined
  const key = Number(id)
  return Number.isSafeInteger(key) ? key : undefined
}

/** For operations without an error channel an unknown id is the caller's bug. */
export const requireKey = (id: string, what: string) => {
  const key = idKey(id)
  return key === undefined ? Effect.dieMessage(`${what} id ${JSON.stringify(id)} is not a store id`) : Effect.succeed(key)
}

export const unique = <A>(values: ReadonlyArray<A>): Array<A> => [...new Set(values)]

export const chunks = <A>(values: ReadonlyArray<A>, size: number = chunkSize): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size))
  return out
}

export const isUniqueViolation = (error: unknown): boolean => {
  if (typeof error !== "object" || error === null || (error as { _tag?: unknown })._tag !== "SqlError") return false
  const code = ((error as SqlError).cause as { readonly code?: unknown } | undefined)?.code
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY"
}
