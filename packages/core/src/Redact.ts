/**
 * Text from a service (an error body, a status message) can repeat what we sent it: a token
 * endpoint that echoes its request puts the refresh token and the client secret into the error
 * we would store as a run's message, show in `runs --json` and the admin API, and log. Before
 * such text is stored, logged or printed, every secret value of the import's config is replaced
 * by `<redacted>`, and stored messages are capped. Which values are secret is what the
 * connector's config schema says: every `Redacted` value of the decoded config (as
 * runner/src/Secrets.ts masks configs for display).
 */
import * as Cause from "effect/Cause"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

export const redacted = "<redacted>"

/** The most characters of a run's message or an import's status reason that are stored. */
export const maxMessageLength = 2000

/**
 * A trailing piece of a secret this long or longer, cut off by an excerpt (`…`) or at the end
 * of the text, is redacted too: a body cut at 500 characters may end inside a token.
 */
const minFragment = 8

/**
 * The secret strings of an import's stored (encoded) config: the `Redacted` values of its
 * decoding with `schema` (its connector's config schema). Without the schema (the connector is
 * not loaded), or when the config does not decode (a connector upgrade, a corrupt row), nothing
 * says which values are secret, so every string in it counts as one: hiding a client id by
 * mistake is harmless, printing a token is not.
 */
export const secretsOf = (schema: Schema.Schema<any, any, never> | undefined, encoded: unknown): ReadonlyArray<string> =>
  Either.match(schema === undefined ? Either.left(undefined) : Schema.decodeUnknownEither(schema)(encoded), {
    onLeft: () => collect(encoded, (value) => typeof value === "string"),
    onRight: (decoded) => collect(decoded, Redacted.isRedacted)
  })

const collect = (root: unknown, isSecret: (value: unknown) => boolean): ReadonlyArray<string> => {
  const found = new Set<string>()
  const seen = new Set<unknown>()
  const walk = (value: unknown): void => {
    if (isSecret(value)) {
      const text = Redacted.isRedacted(value) ? Redacted.value(value) : value
      if (typeof text === "string" && text !== "") found.add(text)
      return
    }
    if (typeof value !== "object" || value === null || seen.has(value)) return
    seen.add(value)
    if (Option.isOption(value)) return Option.match(value, { onNone: () => undefined, onSome: walk })
    for (const item of Array.isArray(value) ? value : Object.values(value)) walk(item)
  }
  walk(root)
  return [...found]
}

/**
 * The spellings a service may echo a secret in: as sent, URL-encoded (a form body or a query,
 * either hex case), JSON-escaped (an error body that quotes it), and JSON-escaped after
 * URL-encoding.
 */
const spellings = (secret: string): ReadonlyArray<string> => {
  const uri = encodeURIComponent(secret)
  const form = new URLSearchParams({ s: secret }).toString().slice(2)
  const json = (text: string) => JSON.stringify(text).slice(1, -1)
  const all = [secret, uri, uri.replace(/%[0-9A-F]{2}/g, (hex) => hex.toLowerCase()), form, json(secret), json(uri), json(form)]
  // Longest first, so a spelling that contains another is replaced whole.
  return [...new Set(all)].sort((a, b) => b.length - a.length)
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * `text` with every spelling of every secret, and any cut-off tail of one, as `<redacted>`.
 * One pass over the text with one pattern, so a replacement is never searched again (a secret
 * that is a piece of the word "redacted" must not eat into the marker it left). A secret
 * shorter than {@link minFragment} is only redacted where it stands alone (not inside a word):
 * a one-letter value would otherwise wipe that letter out of every message.
 */
export const redact = (text: string, secrets: ReadonlyArray<string>): string => {
  const whole: Array<readonly [length: number, pattern: string]> = []
  const tails: Array<readonly [length: number, pattern: string]> = []
  for (const secret of secrets) {
    for (const spelling of spellings(secret)) {
      if (spelling.length < minFragment) {
        whole.push([spelling.length, `(?<![\\p{L}\\p{N}_])${escapeRegExp(spelling)}(?![\\p{L}\\p{N}_])`])
        continue
      }
      whole.push([spelling.length, escapeRegExp(spelling)])
      // A tail piece before an excerpt's ellipsis or at the very end (see minFragment).
      for (let end = spelling.length - 1; end >= minFragment; end--) {
        tails.push([end, `${escapeRegExp(spelling.slice(0, end))}(?=…|$)`])
      }
    }
  }
  if (whole.length === 0) return text
  // Longest first, so a spelling that contains another is replaced whole; whole spellings
  // before tails, since both may start at the same place.
  const ordered = (parts: typeof whole) => [...parts].sort((a, b) => b[0] - a[0]).map(([, pattern]) => pattern)
  const pattern = new RegExp([...ordered(whole), ...ordered(tails)].join("|"), "gu")
  return text.replace(pattern, redacted)
}

/** At most {@link maxMessageLength} characters, saying so when cut. */
export const cap = (text: string): string =>
  text.length > maxMessageLength ? `${text.slice(0, maxMessageLength - 1)}…` : text

/** What may be stored or shown of a service's text: secrets redacted, then capped. */
export const forStorage = (text: string, secrets: ReadonlyArray<string>): string => cap(redact(text, secrets))

/**
 * A cause as log text with the secrets redacted: the log line keeps the failure and its trace
 * but never the values.
 */
export const prettyCause = (cause: Cause.Cause<unknown>, secrets: ReadonlyArray<string>): string =>
  redact(Cause.pretty(cause, { renderErrorCause: true }), secrets)
