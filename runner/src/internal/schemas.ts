/**
 * Schemas shared by the configuration file, the environment and CLI input.
 */
import * as Duration from "effect/Duration"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

const durationUnits: Record<string, number> = {
  ms: 1,
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000
}
const unitAliases: Record<string, string> = {
  millis: "ms", milli: "ms", millisecond: "ms", milliseconds: "ms",
  sec: "s", secs: "s", second: "s", seconds: "s",
  min: "m", mins: "m", minute: "m", minutes: "m",
  hour: "h", hours: "h", day: "d", days: "d"
}

/** `30m`, `90s`, `1h`, `500ms`, `2 days`: people write durations, not milliseconds. */
export const DurationFromString = Schema.transformOrFail(Schema.String, Schema.DurationFromSelf, {
  strict: true,
  decode: (text, _, ast) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*$/i.exec(text)
    const unit = match ? (unitAliases[match[2]!.toLowerCase()] ?? match[2]!.toLowerCase()) : undefined
    const factor = unit === undefined ? undefined : durationUnits[unit]
    return match && factor !== undefined
      ? ParseResult.succeed(Duration.millis(Number(match[1]) * factor))
      : ParseResult.fail(
        new ParseResult.Type(ast, text, `expected a duration such as "30m", "90s", "1h" or "500ms", got ${JSON.stringify(text)}`)
      )
  },
  encode: (duration) => ParseResult.succeed(`${Duration.toMillis(duration)}ms`)
})

/** A duration within `[min, max]`; the message names the range, so a bad value says what fits. */
export const DurationBetween = (min: Duration.Duration, max: Duration.Duration) =>
  Schema.compose(
    DurationFromString,
    Schema.DurationFromSelf.pipe(
      Schema.filter((d) => Duration.between(d, { minimum: min, maximum: max }), {
        message: (issue) =>
          `expected a duration from ${Duration.format(min)} to ${Duration.format(max)}, got ${Duration.format(issue.actual as Duration.Duration)}`
      })
    )
  )

/** A whole number within `[min, max]`. */
export const IntBetween = (min: number, max: number) =>
  Schema.Number.pipe(
    Schema.filter((n) => Number.isSafeInteger(n) && n >= min && n <= max, {
      message: (issue) => `expected a whole number from ${min} to ${max}, got ${JSON.stringify(issue.actual)}`
    })
  )

/** {@link IntBetween} written as text (environment variables, CLI flags). */
export const IntBetweenFromString = (min: number, max: number) =>
  Schema.compose(Schema.NumberFromString.annotations({ message: () => "expected a number" }), IntBetween(min, max))

export const PositiveInt = Schema.Int.pipe(
  Schema.positive({ message: (issue) => `expected a positive integer, got ${JSON.stringify(issue.actual)}` })
)

export const Port = Schema.Int.pipe(
  Schema.between(0, 65535, { message: (issue) => `expected a TCP port (0-65535), got ${JSON.stringify(issue.actual)}` })
)

/** A positive integer written as text (environment variables, CLI flags). */
export const PositiveIntFromString = Schema.compose(
  Schema.NumberFromString.annotations({ message: () => "expected a number" }),
  PositiveInt
)

export const PortFromString = Schema.compose(
  Schema.NumberFromString.annotations({ message: () => "expected a number" }),
  Port
)

/** The AES-256 key for stored credentials: base64 of exactly 32 bytes. */
export const CredentialsKey = Schema.transformOrFail(Schema.String, Schema.RedactedFromSelf(Schema.Uint8ArrayFromSelf), {
  strict: true,
  decode: (text, _, ast) => {
    const bytes = /^[A-Za-z0-9+/]+={0,2}$/.test(text.trim()) ? Buffer.from(text.trim(), "base64") : undefined
    return bytes !== undefined && bytes.length === 32
      ? ParseResult.succeed(Redacted.make(new Uint8Array(bytes)))
      : ParseResult.fail(
        new ParseResult.Type(
          ast,
          Redacted.make(text),
          `expected base64 of 32 random bytes (e.g. from \`openssl rand -base64 32\`)${bytes ? `, got ${bytes.length} bytes` : ""}`
        )
      )
  },
  encode: (key) => ParseResult.succeed(Buffer.from(Redacted.value(key)).toString("base64"))
})

export const Secret = Schema.Redacted(Schema.NonEmptyString)

/**
 * How deep user-given JSON or YAML may nest. Real configs nest a few levels; a value nested
 * thousands of levels deep overflows the stack of recursive code downstream (decoding,
 * error formatting, merge patches), so it is refused up front with a plain message.
 */
export const maxDepth = 64

/** Whether `value` nests deeper than {@link maxDepth}; iterative, so any depth is safe to check. */
export const tooDeep = (value: unknown): boolean => {
  const stack: Array<readonly [unknown, number]> = [[value, 1]]
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!
    if (typeof current !== "object" || current === null) continue
    if (depth > maxDepth) return true
    for (const child of Object.values(current)) stack.push([child, depth + 1])
  }
  return false
}
