import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import fc from "fast-check"
import { readFileSync } from "node:fs"
import { domainToASCII, domainToUnicode } from "node:url"
import * as Email from "../src/Email.js"

/**
 * Address-like strings: parts drawn from the characters the rule treats differently (ASCII,
 * upper case, IDNA2008-valid letters, symbols, emoji, full-width forms, marks, joiners, dots,
 * spaces, `xn--` prefixes), so that both verdicts are common. Plain `fc.string()` inputs are
 * almost never valid addresses and would leave the properties about accepted ones untested.
 */
const pieces = [
  "a", "z", "0", "9", "-", "_", "+", ".", "A", "Q", "ü", "ß", "ı", "例", "え", "テ", "ب", "α", "Ꭰ", "ꭰ",
  "ä", "u\u0308", "\u212a", "©", "😀", "♥", "ｇ", "ﬁ", "。", "·", "l·l", "٠", "۰", "\u0301", "\u200d", "\u00ad",
  "\u200c", "ی", "و", "क्", "\u094d",
  "xn--", "xn--bcher-kva", "xn--e28h", "xn--zz", "--", " ", "\u3000", "@", "ＡＢ", "com", "de", "c", "ab"
]
const piece = fc.constantFrom(...pieces)
const part = fc.array(piece, { minLength: 0, maxLength: 6 }).map((parts) => parts.join(""))
const validLetters = fc.constantFrom("a", "k", "0", "ü", "ß", "例", "え", "テ", "ı", "Ꭰ", "ä", "α")
const label = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?$/) },
  { weight: 2, arbitrary: fc.array(validLetters, { minLength: 1, maxLength: 8 }).map((l) => l.join("")) },
  { weight: 1, arbitrary: part }
)
const topLevel = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom("com", "DE", "jp", "テスト", "xn--zckzah", "中国") },
  { weight: 1, arbitrary: label }
)
const local = fc.oneof(
  { weight: 3, arbitrary: fc.stringMatching(/^[a-zA-Z0-9]([a-zA-Z0-9.+_-]{0,10}[a-zA-Z0-9])?$/) },
  { weight: 1, arbitrary: part }
)
const addressLike = fc.tuple(
  local,
  fc.array(label, { minLength: 0, maxLength: 3 }),
  topLevel,
  fc.constantFrom("", "", "", ".", " ", "\u00a0")
).map(([local, labels, tld, end]) => `${local}@${[...labels, tld].join(".")}${end}`)

const anyInput = fc.oneof(
  { weight: 4, arbitrary: addressLike },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", minLength: 250, maxLength: 600 }) }
)

/** Code points the IANA table (test/fixtures) lists as PVALID, CONTEXTJ or CONTEXTO: all a U-label may hold. */
const allowedByIana = (() => {
  const table = JSON.parse(readFileSync(new URL("./fixtures/idna2008-unicode-17.0.json", import.meta.url), "utf8")) as {
    readonly PVALID: ReadonlyArray<readonly [number, number]>
    readonly CONTEXTJ: ReadonlyArray<readonly [number, number]>
    readonly CONTEXTO: ReadonlyArray<readonly [number, number]>
  }
  const ranges = [...table.PVALID, ...table.CONTEXTJ, ...table.CONTEXTO]
  return (cp: number) => ranges.some(([from, to]) => cp >= from && cp <= to)
})()

const accepted = (raw: string) => {
  const result = Email.normalize(raw)
  return Either.isRight(result) ? result.right as string : undefined
}

const params = { numRuns: 1_000 }

describe("Email.normalize, properties", () => {
  it("never throws, and every rejection carries a reason and names the input", () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const result = Email.normalize(raw)
        if (Either.isLeft(result)) {
          assert.isAbove(result.left.reason.trim().length, 0)
          assert.include(result.left.message, JSON.stringify(raw))
        }
      }),
      params
    )
  })

  it("is idempotent: a normalized address normalizes to itself", () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const once = accepted(raw)
        if (once !== undefined) assert.strictEqual(accepted(once), once)
      }),
      params
    )
  })

  it("accepts only addresses of at most 254 characters in ASCII form that round-trip through punycode", () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const email = accepted(raw)
        if (email === undefined) return
        const at = email.indexOf("@")
        const local = email.slice(0, at)
        const domain = email.slice(at + 1)
        const ascii = domainToASCII(domain)
        assert.match(ascii, /^[a-z0-9.-]+$/)
        assert.isAtMost(local.length + 1 + ascii.length, 254)
        assert.isTrue(ascii.split(".").every((l) => l.length >= 1 && l.length <= 63))
        assert.strictEqual(domainToUnicode(ascii), domain)
        // the ASCII spelling of the address is the same contact
        assert.strictEqual(accepted(`${local}@${ascii}`), email)
      }),
      params
    )
  })

  it("accepts only domains whose code points the IANA table allows", () => {
    fc.assert(
      fc.property(anyInput, (raw) => {
        const email = accepted(raw)
        if (email === undefined) return
        for (const char of email.slice(email.indexOf("@") + 1).replaceAll(".", "")) {
          assert.isTrue(allowedByIana(char.codePointAt(0)!), `${email}: ${char}`)
        }
      }),
      params
    )
  })

  it("draws inputs of both verdicts (the properties above are not vacuous)", () => {
    const sample = fc.sample(addressLike, { numRuns: 2_000, seed: 42 })
    const valid = sample.filter((raw) => accepted(raw) !== undefined)
    assert.isAbove(valid.length, 100)
    assert.isAbove(valid.filter((email) => /[^\u0000-\u007f]/.test(accepted(email)!)).length, 10)
    assert.isAbove(sample.length - valid.length, 100)
  })
})
