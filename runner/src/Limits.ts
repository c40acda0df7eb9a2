/**
 * The documented maximum sizes of what the runner accepts from the CLI and the admin API
 * (README "Limits"). Each is enforced by a Schema, so a value over a limit is refused with a
 * message naming the field (400 from the API, exit 2 from the CLI) before anything is stored.
 */
import * as Effect from "effect/Effect"
import * as ParseResult from "effect/ParseResult"
import * as Schema from "effect/Schema"

/** Most bytes of a request body on any HTTP endpoint (413 above it, refused while streaming). */
export const maxBodyBytes = 1024 * 1024

/** Most characters of an import's name and of a list's name. */
export const maxLabelLength = 200

/** Most characters of an import's config written as JSON (after a merge patch, for edits). */
export const maxConfigLength = 64 * 1024

/** An import or list name: trimmed, not empty, at most {@link maxLabelLength} characters. */
export const Label = Schema.Trim.pipe(
  Schema.nonEmptyString({ message: () => "must not be empty" }),
  Schema.maxLength(maxLabelLength, {
    message: (issue) => `must be at most ${maxLabelLength} characters, got ${String(issue.actual).length}`
  })
)

/** A label, or the one-line reason it is refused (the CLI names the option it came from). */
export const decodeLabel = (value: string): Effect.Effect<string, string> =>
  Effect.mapError(
    Schema.decode(Label)(value),
    (e) => ParseResult.ArrayFormatter.formatErrorSync(e).map((issue) => issue.message).join("; ")
  )

/**
 * JSON's length of a value, or a reason it has none. A deeply nested body parses (V8's parser
 * is not recursive) but overflows the stack of `JSON.stringify`; that must be a refusal, not a
 * defect.
 */
const jsonLength = (value: unknown): number | string => {
  try {
    return JSON.stringify(value)?.length ?? 0
  } catch {
    return "is nested too deeply or is not plain JSON"
  }
}

/** An import's config, whatever its connector: bounded as a whole before its own schema runs. */
export const ImportConfig = Schema.Unknown.pipe(
  Schema.filter((value) => {
    const length = jsonLength(value)
    if (typeof length === "string") return length
    return length <= maxConfigLength || `must be at most ${maxConfigLength} characters as JSON, got ${length}`
  })
)
