/**
 * Email normalization and validation: the rule every import applies before a record becomes a
 * contact (R4). The full rule, with examples, is in docs/email-rule.md.
 *
 * - Surrounding white space (any Unicode space) is trimmed; white space inside is invalid.
 * - The address is matched case-insensitively: the whole address is lower-cased.
 * - Exactly one `@`. Local part: 1–64 ASCII characters of the RFC 5322 dot-atom
 *   (letters, digits, ``!#$%&'*+/=?^_`{|}~-`` and dots, no leading, trailing or double dot).
 *   Quoted local parts (`"john doe"@example.com`) are valid in the RFC but rejected: most
 *   mail providers and ESPs refuse them, so importing them would only create bounces.
 *   Plus addressing (`ada+news@example.com`) is kept as it is: it is a distinct mailbox.
 * - Domain (./internal/domainName.ts): at least two labels, each 1–63 characters in ASCII form;
 *   ASCII labels are letters/digits/hyphens (no leading or trailing hyphen); internationalized
 *   labels, in Unicode or as `xn--` A-labels, must be valid under IDNA2008 (symbols, emoji and
 *   other disallowed code points are invalid, ./internal/idna2008.ts). The top-level domain is
 *   two or more letters or an internationalized name. At most 253 characters in ASCII form.
 *   Internationalized domains are stored in their Unicode form, so `bücher.de` and
 *   `xn--bcher-kva.de` are the same contact. One trailing dot (the fully qualified form
 *   `example.com.`) is dropped. IP-literal domains are rejected.
 * - Characters that only become a valid address through a compatibility mapping (full-width
 *   `ｇｍａｉｌ.com`, ligatures, ...) are refused, not mapped: the contact's address is the one the
 *   source holds, and the skip says what to fix.
 * - The whole address is at most 254 characters in ASCII form (RFC 5321 path limit).
 */
import * as Either from "effect/Either"
import type { NormalizedEmail } from "./Domain.js"
import { InvalidEmail } from "./Errors.js"
import { checkDomain, COMPATIBILITY_MAPPING, needsCompatibilityMapping } from "./internal/domainName.js"

const ATEXT = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+$/
const ASCII = /^[\u0000-\u007f]*$/
const SPACE = "[\\s\\u00a0\\u1680\\u2000-\\u200b\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
const UNICODE_SPACE = new RegExp(SPACE, "u")
const IS_SPACE = new RegExp(`^${SPACE}$`, "u")

/**
 * Trims the spaces above (all single UTF-16 units) from both ends by scanning. A regular
 * expression `space+$` backtracks from every space of an inner run, so one long run inside an
 * address (a hostile or broken source field) cost quadratic time: hours for a megabyte.
 */
const trimSpaces = (text: string) => {
  let start = 0
  let end = text.length
  while (start < end && IS_SPACE.test(text[start]!)) start++
  while (end > start && IS_SPACE.test(text[end - 1]!)) end--
  return text.slice(start, end)
}

/**
 * Every code point of an address is at least one character of its ASCII form (punycode spends
 * at least one character per code point), and a code point is at most two UTF-16 units: longer
 * input is over the limit whatever it holds, and is refused before any per-character work.
 */
const MAX_UTF16_LENGTH = 2 * 254

/**
 * Lower case, except Cherokee: its capital letters are the case-folded form IDNA2008 allows, and
 * lower-casing would turn a valid label into a disallowed one.
 */
const lowerCaseDomain = (domain: string) =>
  domain.replace(/\P{Script=Cherokee}+/gu, (run) => run.toLowerCase()).normalize("NFC")

export const normalize = (raw: string): Either.Either<NormalizedEmail, InvalidEmail> => {
  const invalid = (reason: string) => Either.left(new InvalidEmail({ email: raw, reason }))
  const trimmed = trimSpaces(raw)
  if (trimmed.length === 0) return invalid("it is empty")
  if (trimmed.length > MAX_UTF16_LENGTH) return invalid("the address is longer than 254 characters")
  if (trimmed.startsWith("\"")) return invalid("quoted local parts are not accepted")
  if (UNICODE_SPACE.test(trimmed)) return invalid("it contains white space")
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return invalid("it contains control characters")
  const at = trimmed.indexOf("@")
  if (at === -1) {
    return invalid(
      !ASCII.test(trimmed) && trimmed.normalize("NFKC").includes("@")
        ? `its @ ${COMPATIBILITY_MAPPING}`
        : "it has no @"
    )
  }
  if (trimmed.indexOf("@", at + 1) !== -1) return invalid("it has more than one @")
  const rawLocal = trimmed.slice(0, at)
  if (rawLocal.length === 0) return invalid("the part before @ is empty")
  // Checked before lower-casing: the KELVIN SIGN lower-cases to a plain k (and is a K in NFC).
  if (!ASCII.test(rawLocal)) {
    const nfc = rawLocal.normalize("NFC")
    return invalid(
      needsCompatibilityMapping(nfc) || ASCII.test(nfc)
        ? `the part before @ ${COMPATIBILITY_MAPPING}`
        : "the part before @ contains characters that are not allowed"
    )
  }
  const local = rawLocal.toLowerCase()
  if (local.length > 64) return invalid("the part before @ is longer than 64 characters")
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) {
    return invalid("the part before @ has a leading, trailing or double dot")
  }
  if (!local.split(".").every((atom) => ATEXT.test(atom))) {
    return invalid("the part before @ contains characters that are not allowed")
  }
  let domain = trimmed.slice(at + 1)
  if (ASCII.test(domain)) {
    domain = domain.toLowerCase()
  } else {
    // NFC only joins canonically equivalent spellings (a decomposed ü, the KELVIN SIGN's
    // singleton K): the same text by Unicode's definition, and the form IDNA2008 requires.
    domain = domain.normalize("NFC")
    if (needsCompatibilityMapping(domain)) return invalid(`the domain ${COMPATIBILITY_MAPPING}`)
    domain = lowerCaseDomain(domain)
  }
  if (domain.endsWith(".")) domain = domain.slice(0, -1)
  const checked = checkDomain(domain)
  if (Either.isLeft(checked)) return invalid(checked.left)
  if (local.length + 1 + checked.right.ascii.length > 254) {
    return invalid("the address is longer than 254 characters")
  }
  return Either.right(`${local}@${checked.right.unicode}` as NormalizedEmail)
}
