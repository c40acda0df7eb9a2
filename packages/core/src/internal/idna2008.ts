/**
 * IDNA2008 validity of domain labels (RFC 5891 §4.2.3 and §5.4, RFC 5892), for the email rule
 * (docs/email-rule.md).
 *
 * Node's `url.domainToASCII` implements UTS-46 as the WHATWG URL standard uses it: it maps
 * (full-width letters to ASCII, upper to lower case) and allows symbols and emoji that IDNA2008
 * disallows, so `domain.com©` becomes a punycode label that looks like any other. IDNA2008
 * validity is a property of each code point, derived from Unicode properties by the algorithm of
 * RFC 5892 §3. That algorithm is reproduced here with the Unicode property escapes of JavaScript
 * regular expressions, so the data is the runtime's own Unicode tables (no generated table to
 * keep up to date, no dependency). JavaScript has no full case folding; where it differs from
 * lower-casing for the "Unstable" category, the difference is spelled out below.
 *
 * Contextual rules (RFC 5892 Appendix A): the CONTEXTO rules below, the two joiners (CONTEXTJ)
 * in ./joiners.ts.
 */

import { bidiProblem } from "./bidi.js"
import { joinerOk } from "./joiners.js"

export type DerivedProperty = "PVALID" | "CONTEXTJ" | "CONTEXTO" | "DISALLOWED" | "UNASSIGNED"

/** RFC 5892 §2.6: code points whose derived property is fixed by the RFC, not by the algorithm. */
const EXCEPTIONS: ReadonlyMap<number, DerivedProperty> = new Map<number, DerivedProperty>([
  // PVALID although case folding changes them (ß, final sigma) or their category would not allow them
  [0x00df, "PVALID"],
  [0x03c2, "PVALID"],
  [0x06fd, "PVALID"],
  [0x06fe, "PVALID"],
  [0x0f0b, "PVALID"],
  [0x3007, "PVALID"],
  // CONTEXTO: allowed only in the contexts of Appendix A (see `contextOk`)
  [0x00b7, "CONTEXTO"],
  [0x0375, "CONTEXTO"],
  [0x05f3, "CONTEXTO"],
  [0x05f4, "CONTEXTO"],
  [0x30fb, "CONTEXTO"],
  ...range(0x0660, 0x0669).map((cp): [number, DerivedProperty] => [cp, "CONTEXTO"]),
  ...range(0x06f0, 0x06f9).map((cp): [number, DerivedProperty] => [cp, "CONTEXTO"]),
  // DISALLOWED although they are letters or marks: they are used only for layout or repetition
  [0x0640, "DISALLOWED"],
  [0x07fa, "DISALLOWED"],
  [0x302e, "DISALLOWED"],
  [0x302f, "DISALLOWED"],
  ...range(0x3031, 0x3035).map((cp): [number, DerivedProperty] => [cp, "DISALLOWED"]),
  [0x303b, "DISALLOWED"]
])

function range(from: number, to: number): Array<number> {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i)
}

const UNASSIGNED = /^\p{Cn}$/u
const NONCHARACTER = /^\p{Noncharacter_Code_Point}$/u
const LDH = /^[a-z0-9-]$/
const JOIN_CONTROL = /^\p{Join_Control}$/u
const IGNORABLE_PROPERTIES = /^[\p{Default_Ignorable_Code_Point}\p{White_Space}\p{Noncharacter_Code_Point}]$/u
const LETTER_DIGITS = /^[\p{Ll}\p{Lu}\p{Lo}\p{Nd}\p{Lm}\p{Mn}\p{Mc}]$/u

/**
 * RFC 5892 §2.4, by block: Combining Diacritical Marks for Symbols, Musical Symbols, Ancient
 * Greek Musical Notation (JavaScript regular expressions have no block property).
 */
const inIgnorableBlock = (cp: number) =>
  (cp >= 0x20d0 && cp <= 0x20ff) || (cp >= 0x1d100 && cp <= 0x1d1ff) || (cp >= 0x1d200 && cp <= 0x1d24f)

/**
 * RFC 5892 §2.9: conjoining Hangul jamo (Hangul_Syllable_Type L, V or T), whose ranges are fixed
 * by Unicode's HangulSyllableType data (no regular expression property either).
 */
const isOldHangulJamo = (cp: number) =>
  (cp >= 0x1100 && cp <= 0x11ff) || (cp >= 0xa960 && cp <= 0xa97c) || (cp >= 0xd7b0 && cp <= 0xd7c6) ||
  (cp >= 0xd7cb && cp <= 0xd7fb)

/**
 * RFC 5892 §2.2: the code point changes under NFKC, case folding and NFKC again.
 *
 * JavaScript has no case folding; upper-casing then lower-casing gives the same result (full
 * folding maps ß to "ss", ᾀ to "ἀι", U+0345 to ι as upper-then-lower does) except in two places:
 * Cherokee folds to its capital letters (Unicode kept the capitals as the folded form when it
 * added the small letters), and dotless ı folds to itself (upper-casing gives I). Checked against
 * the IANA table of IDNA2008 derived properties for Unicode 17.0, which is Node 20's Unicode
 * version: every code point agrees (test/idna2008.test.ts).
 */
const caseFold = (cp: number, s: string) =>
  (cp >= 0x13a0 && cp <= 0x13ff) || (cp >= 0xab70 && cp <= 0xabbf)
    ? s.toUpperCase()
    : cp === 0x0131
    ? s
    : s.toUpperCase().toLowerCase()

const isUnstable = (cp: number, char: string) =>
  caseFold(cp, char.normalize("NFKC")).normalize("NFKC") !== char

/** RFC 5892 §3: the derived property of one code point. */
export const derivedProperty = (cp: number): DerivedProperty => {
  const exception = EXCEPTIONS.get(cp)
  if (exception !== undefined) return exception
  const char = String.fromCodePoint(cp)
  if (UNASSIGNED.test(char) && !NONCHARACTER.test(char)) return "UNASSIGNED"
  if (LDH.test(char)) return "PVALID"
  if (JOIN_CONTROL.test(char)) return "CONTEXTJ"
  if (isUnstable(cp, char)) return "DISALLOWED"
  if (IGNORABLE_PROPERTIES.test(char)) return "DISALLOWED"
  if (inIgnorableBlock(cp)) return "DISALLOWED"
  if (isOldHangulJamo(cp)) return "DISALLOWED"
  if (LETTER_DIGITS.test(char)) return "PVALID"
  return "DISALLOWED"
}

const VISIBLE = /^[\p{L}\p{N}\p{P}\p{S}]$/u

/** `"©" (U+00A9)`; invisible or control-like code points only by number, so messages print safely. */
export const codePointName = (cp: number) => {
  const code = `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`
  const char = String.fromCodePoint(cp)
  return VISIBLE.test(char) ? `"${char}" (${code})` : code
}

const GREEK = /^\p{Script=Greek}$/u
const HEBREW = /^\p{Script=Hebrew}$/u
const KANA_OR_HAN = /[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u
const ARABIC_INDIC_DIGIT = /[\u0660-\u0669]/
const EXTENDED_ARABIC_INDIC_DIGIT = /[\u06f0-\u06f9]/

/** RFC 5892 Appendix A.3–A.9: whether a CONTEXTO code point is allowed where it stands. */
const contextOk = (cp: number, before: string | undefined, after: string | undefined, label: string) => {
  switch (cp) {
    case 0x00b7: // MIDDLE DOT: only between two l (Catalan l·l)
      return before === "l" && after === "l"
    case 0x0375: // GREEK LOWER NUMERAL SIGN: before a Greek character
      return after !== undefined && GREEK.test(after)
    case 0x05f3:
    case 0x05f4: // HEBREW GERESH, GERSHAYIM: after a Hebrew character
      return before !== undefined && HEBREW.test(before)
    case 0x30fb: // KATAKANA MIDDLE DOT: in a label with Hiragana, Katakana or Han
      return KANA_OR_HAN.test(label)
    default: // the two sets of Arabic-Indic digits must not be mixed in one label
      return !(ARABIC_INDIC_DIGIT.test(label) && EXTENDED_ARABIC_INDIC_DIGIT.test(label))
  }
}

const LEADING_MARK = /^\p{M}/u

/**
 * Why `label` (lower case, NFC) is not a valid IDNA2008 U-label, or `undefined` when it is
 * (RFC 5891 §4.2.3): no hyphen at either end nor in the third and fourth positions (reserved for
 * prefixes like `xn--`), no combining mark first, every code point PVALID or (CONTEXTO, CONTEXTJ)
 * in its allowed context, and a right-to-left label meets the Bidi rule (./bidi.ts).
 */
export const uLabelProblem = (label: string): string | undefined => {
  if (label.normalize("NFC") !== label) return "is not in Unicode normalization form C"
  if (label.startsWith("-") || label.endsWith("-")) return "starts or ends with a hyphen"
  if (label.slice(2, 4) === "--") return "has hyphens in the third and fourth positions"
  if (LEADING_MARK.test(label)) return "starts with a combining mark"
  const chars = Array.from(label)
  for (let i = 0; i < chars.length; i++) {
    const cp = chars[i]!.codePointAt(0)!
    switch (derivedProperty(cp)) {
      case "PVALID":
        continue
      case "CONTEXTO":
        if (contextOk(cp, chars[i - 1], chars[i + 1], label)) continue
        return `has ${codePointName(cp)} where IDNA2008 does not allow it`
      case "CONTEXTJ":
        if (joinerOk(chars, i)) continue
        return `has the invisible joiner ${codePointName(cp)} where IDNA2008 does not allow it`
      case "UNASSIGNED":
        return `has ${codePointName(cp)}, which Unicode does not assign`
      case "DISALLOWED":
        return `has ${codePointName(cp)}, which domain names cannot hold (IDNA2008)`
    }
  }
  return bidiProblem(label)
}
