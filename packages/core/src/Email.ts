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
 * - Domain: at least two labels, each 1–63 characters, letters/digits/hyphens (no leading or
 *   trailing hyphen) after IDNA conversion, at most 253 characters in ASCII form, a top-level
 *   label that is not all digits. Internationalized domains are accepted and stored in their
 *   Unicode form, so `bücher.de` and `xn--bcher-kva.de` are the same contact. One trailing dot
 *   (the fully qualified form `example.com.`) is dropped. IP-literal domains are rejected.
 * - The whole address is at most 254 characters (RFC 5321 path limit).
 */
import * as Either from "effect/Either"
import { domainToASCII, domainToUnicode } from "node:url"
import type { NormalizedEmail } from "./Domain.js"
import { InvalidEmail } from "./Errors.js"

const ATEXT = /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+$/
const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/
const SPACE = "[\\s\\u00a0\\u1680\\u2000-\\u200b\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff]"
const UNICODE_SPACE = new RegExp(SPACE, "u")
const SURROUNDING_SPACE = new RegExp(`^${SPACE}+|${SPACE}+$`, "gu")

export const normalize = (raw: string): Either.Either<NormalizedEmail, InvalidEmail> => {
  const invalid = (reason: string) => Either.left(new InvalidEmail({ email: raw, reason }))
  const trimmed = raw.replace(SURROUNDING_SPACE, "")
  if (trimmed.length === 0) return invalid("it is empty")
  if (trimmed.startsWith("\"")) return invalid("quoted local parts are not accepted")
  if (UNICODE_SPACE.test(trimmed)) return invalid("it contains white space")
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) return invalid("it contains control characters")
  const at = trimmed.indexOf("@")
  if (at === -1) return invalid("it has no @")
  if (trimmed.indexOf("@", at + 1) !== -1) return invalid("it has more than one @")
  const local = trimmed.slice(0, at).toLowerCase()
  let domain = trimmed.slice(at + 1).normalize("NFC").toLowerCase()
  if (local.length === 0) return invalid("the part before @ is empty")
  if (local.length > 64) return invalid("the part before @ is longer than 64 characters")
  if (local.startsWith(".") || local.endsWith(".") || local.includes("..")) {
    return invalid("the part before @ has a leading, trailing or double dot")
  }
  if (!local.split(".").every((atom) => ATEXT.test(atom))) {
    return invalid("the part before @ contains characters that are not allowed")
  }
  if (domain.endsWith(".")) domain = domain.slice(0, -1)
  if (domain.length === 0) return invalid("the domain is empty")
  if (domain.startsWith("[")) return invalid("IP-address domains are not accepted")
  const ascii = domainToASCII(domain)
  if (ascii === "") return invalid("the domain is not a valid (internationalized) domain name")
  if (ascii.length > 253) return invalid("the domain is longer than 253 characters")
  const labels = ascii.split(".")
  if (labels.length < 2) return invalid("the domain has no top-level domain")
  if (!labels.every((label) => LABEL.test(label))) return invalid("the domain has an empty or invalid label")
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return invalid("the top-level domain is numeric")
  if (local.length + 1 + ascii.length > 254) return invalid("the address is longer than 254 characters")
  return Either.right(`${local}@${domainToUnicode(ascii)}` as NormalizedEmail)
}
