/**
 * How commands print: results on stdout (JSON with `--json`, a table otherwise), progress and
 * errors on stderr, so `--json` output stays parseable.
 */
import * as Console from "effect/Console"
import type * as Effect from "effect/Effect"

/** Prints `value` as JSON, or what `human` renders from it. */
export const result = <A>(asJson: boolean, value: A, human: (value: A) => string): Effect.Effect<void> =>
  Console.log(asJson ? JSON.stringify(value, null, 2) : human(value))

/** A line for people watching long work; never on stdout. */
export const progress = (line: string): Effect.Effect<void> => Console.error(line)

/** Columns padded to their widest cell; an empty table says so instead of printing only headers. */
export const table = (
  headers: ReadonlyArray<string>,
  rows: ReadonlyArray<ReadonlyArray<string | number | null | undefined>>,
  empty = "(none)"
): string => {
  if (rows.length === 0) return empty
  const cells = rows.map((row) => headers.map((_, i) => cell(row[i])))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)))
  const line = (row: ReadonlyArray<string>) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]!))).join("  ").trimEnd()
  return [line(headers.map((h) => h.toUpperCase())), ...cells.map(line)].join("\n")
}

/** `key: value` lines, keys aligned. */
export const details = (entries: ReadonlyArray<readonly [string, string | number | null | undefined]>): string => {
  const width = Math.max(...entries.map(([k]) => k.length))
  return entries.map(([k, v]) => `${`${k}:`.padEnd(width + 1)} ${cell(v)}`).join("\n")
}

const cell = (value: string | number | null | undefined): string =>
  value === null || value === undefined || value === "" ? "-" : String(value).replace(/\s*\n\s*/g, " ")

export const when = (date: Date | null | undefined): string | null => (date ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : null)
