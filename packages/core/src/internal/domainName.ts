/**
 * The domain half of the email rule (docs/email-rule.md): a domain that can receive mail, in one
 * canonical form.
 *
 * Pure-ASCII domains without `xn--` labels (nearly every address) are checked with one regular
 * expression per label and never reach the Unicode checks. Internationalized labels, typed in
 * Unicode or as `xn--` A-labels, must be valid IDNA2008 U-labels (./idna2008.ts); the conversion
 * between the two forms is Node's (`url.domainToASCII` / `domainToUnicode`), trusted only for
 * labels already found valid and checked to round-trip, because on its own it maps and allows
 * symbols (UTS-46).
 */
import * as Either from "effect/Either"
import { domainToASCII, domainToUnicode } from "node:url"
import { uLabelProblem } from "./idna2008.js"

export interface Domain {
  /** The stored form: U-labels for internationalized labels, lower case. */
  readonly unicode: string
  /** The form that travels in DNS and SMTP; its length is what RFC 5321 limits. */
  readonly ascii: string
}

const ASCII = /^[\u0000-\u007f]*$/
const LDH_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/
const ALPHABETIC_TLD = /^[a-z]{2,63}$/

/**
 * UTS-46 maps these to "." (ideographic and full-width full stops); NFKC maps only two of the
 * three, so they are named here to get the compatibility-mapping answer instead of "disallowed".
 */
const FULL_STOP_FORMS = /[\u3002\uff0e\uff61]/

export const COMPATIBILITY_MAPPING =
  "needs a compatibility mapping (full-width or similar characters); the source should hold the plain form"

/**
 * Whether `text` (NFC) only becomes a plain domain or address through a compatibility mapping:
 * full-width letters, ligatures, circled or superscript digits and the like. Those are refused
 * rather than silently mapped, so that the contact's address is the one the source holds
 * (docs/email-rule.md, "Compatibility mappings").
 */
export const needsCompatibilityMapping = (text: string): boolean =>
  text.normalize("NFKC") !== text || FULL_STOP_FORMS.test(text)

/** One label, in either form, as `[unicode, ascii]`, or why it is not valid. */
const checkLabel = (raw: string, name: string): Either.Either<readonly [string, string], string> => {
  if (raw.length === 0) return Either.left("the domain has an empty label")
  if (ASCII.test(raw)) {
    if (!LDH_LABEL.test(raw)) {
      return Either.left(
        raw.length > 63
          ? `${name} is longer than 63 characters`
          : `${name} must be letters, digits and inner hyphens`
      )
    }
    if (!raw.startsWith("xn--")) return Either.right([raw, raw])
    const unicode = domainToUnicode(raw)
    // Node answers "" for undecodable punycode; a label that decodes to itself or to ASCII was
    // never an encoding of an internationalized label.
    if (unicode === "" || ASCII.test(unicode) || domainToASCII(unicode) !== raw) {
      return Either.left(`${name} is not a valid internationalized (xn--) label`)
    }
    const problem = uLabelProblem(unicode)
    return problem === undefined ? Either.right([unicode, raw]) : Either.left(`${name} (${unicode}) ${problem}`)
  }
  const problem = uLabelProblem(raw)
  if (problem !== undefined) return Either.left(`${name} ${problem}`)
  const ascii = domainToASCII(raw)
  if (!ascii.startsWith("xn--") || domainToUnicode(ascii) !== raw) {
    return Either.left(`${name} cannot be converted to its ASCII (xn--) form`)
  }
  if (ascii.length > 63) return Either.left(`${name} is longer than 63 characters in its ASCII form`)
  return Either.right([raw, ascii])
}

/**
 * `domain`: lower case, NFC, without the trailing dot of a fully qualified name; the caller has
 * refused white space, control characters and compatibility mappings.
 */
export const checkDomain = (domain: string): Either.Either<Domain, string> => {
  if (domain.length === 0) return Either.left("the domain is empty")
  if (domain.startsWith("[")) return Either.left("IP-address domains are not accepted")
  const raw = domain.split(".")
  if (raw.length < 2) return Either.left("the domain has no top-level domain")
  const unicode: Array<string> = []
  const ascii: Array<string> = []
  for (let i = 0; i < raw.length; i++) {
    const checked = checkLabel(raw[i]!, i === raw.length - 1 ? "the top-level domain" : `the domain's label "${raw[i]}"`)
    if (Either.isLeft(checked)) return Either.left(checked.left)
    unicode.push(checked.right[0])
    ascii.push(checked.right[1])
  }
  const tld = ascii[ascii.length - 1]!
  if (/^[0-9]+$/.test(tld)) return Either.left("the top-level domain is numeric")
  // Every delegated top-level domain is two or more letters, or an internationalized one (an
  // A-label, valid by now): `co.c` or `example.c0m` cannot receive mail.
  if (!ALPHABETIC_TLD.test(tld) && !tld.startsWith("xn--")) {
    return Either.left(
      tld.length < 2
        ? "the top-level domain has only one character"
        : "the top-level domain must be letters only (or an internationalized name)"
    )
  }
  const asciiDomain = ascii.join(".")
  if (asciiDomain.length > 253) return Either.left("the domain is longer than 253 characters")
  return Either.right({ unicode: unicode.join("."), ascii: asciiDomain })
}
