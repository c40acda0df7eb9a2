/**
 * How commands print: results on stdout (JSON with `--json`, a table otherwise), progress and
 * errors on stderr, so `--json` output stays parseable.
 */
import * as Console from "effect/Console"
import type * as Effect from "effect/Effect"

/**
 * Characters a terminal acts on instead of showing: C0 controls (ESC starts sequences that set
 * the window title or clear the screen), DEL, C1 controls (0x9b is a one-byte CSI), the line
 * and paragraph separators, and the bidirectional overrides that make text read differently
 * from what it holds. Source values (a contact's name) reach tables verbatim, so they go through
 * {@link escape}.
 */
const unsafe = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const unsafeBeyondAscii = /[\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const unsafeExceptNewline = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g
const named: Record<string, string> = { "\n": "\\n", "\r": "\\r", "\t": "\\t" }
const escapeChar = (c: string) => named[c] ?? `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`

/** Text with every control character shown as an escape (`\u001b`, `\n`), never acted on. */
export const escape = (text: string): string => text.replace(unsafe, escapeChar)

/** {@link escape} for multi-line text of our own (error messages): line breaks stay. */
export const escapeKeepingLines = (text: string): string => text.replace(unsafeExceptNewline, escapeChar)

/**
 * JSON.stringify already escapes C0 controls inside strings (and its own line breaks must stay); DEL, C1 and the others above would reach a
 * terminal raw. They only occur inside string literals, so `\uXXXX` keeps the JSON valid.
 */
const json = (value: unknown): string => JSON.stringify(value, null, 2).replace(unsafeBeyondAscii, escapeChar)

/** Prints `value` as JSON, or what `human` renders from it (its values escaped by `table`/`details`/`escape`). */
export const result = <A>(asJson: boolean, value: A, human: (value: A) => string): Effect.Effect<void> =>
  Console.log(asJson ? json(value) : human(value))

/** A line for people watching long work; never on stdout. */
export const progress = (line: string): Effect.Effect<void> => Console.error(escapeKeepingLines(line))

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
  value === null || value === undefined || value === "" ? "-" : escape(String(value))

export const when = (date: Date | null | undefined): string | null => (date ? date.toISOString().replace(/\.\d{3}Z$/, "Z") : null)
