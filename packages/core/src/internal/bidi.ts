/**
 * The Bidi rule of IDNA2008 (RFC 5893 §2) for labels written right to left, for the email rule
 * (docs/email-rule.md). Without it, labels such as `aب` or `ب٠1`, whose display order is
 * ambiguous, would pass as valid U-labels.
 *
 * The rule is stated in Bidi_Class values, which JavaScript regular expressions cannot query.
 * Among the code points a U-label may hold at all (PVALID, CONTEXTO, CONTEXTJ: ./idna2008.ts)
 * the class follows from General_Category and Script, with the few exceptions listed below:
 * right-to-left scripts give R (or AL, which the rule treats alike), nonspacing marks NSM, ASCII
 * and extended Arabic-Indic digits EN, Arabic-Indic and Hanifi Rohingya digits AN, a handful of
 * modifier letters and punctuation ON, the hyphen ES, the joiners BN, everything else L. Checked against Unicode 14.0's
 * Bidi_Class for every such code point Unicode 14.0 assigns (test/bidi.test.ts); later
 * additions follow the same derivation.
 */

export type BidiClass = "L" | "R" | "AN" | "EN" | "ES" | "ON" | "NSM" | "BN"

/** Scripts written right to left (Unicode's ScriptExtensions and Bidi data, up to Unicode 17.0). */
const RIGHT_TO_LEFT = new RegExp(
  `^[${
    [
      "Adlam", "Arabic", "Avestan", "Chorasmian", "Cypriot", "Elymaic", "Garay", "Hanifi_Rohingya", "Hatran",
      "Hebrew", "Imperial_Aramaic", "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Kharoshthi", "Lydian",
      "Mandaic", "Manichaean", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs", "Nabataean", "Nko",
      "Old_Hungarian", "Old_North_Arabian", "Old_Sogdian", "Old_South_Arabian", "Old_Turkic", "Old_Uyghur",
      "Palmyrene", "Phoenician", "Psalter_Pahlavi", "Samaritan", "Sidetic", "Sogdian", "Syriac", "Thaana", "Yezidi"
    ].map((script) => `\\p{Script=${script}}`).join("")
  }]$`,
  "u"
)

const NONSPACING_MARK = /^\p{Mn}$/u

/** Allowed modifier letters and punctuation whose class is ON (Other Neutral). */
const OTHER_NEUTRAL = new Set([
  0x00b7, 0x02b9, 0x02ba, 0x02c6, 0x02c7, 0x02c8, 0x02c9, 0x02ca, 0x02cb, 0x02cc, 0x02cd, 0x02ce, 0x02cf,
  0x02ec, 0x0375, 0x2e2f, 0x30fb, 0xa67f, 0xa717, 0xa718, 0xa719, 0xa71a, 0xa71b, 0xa71c, 0xa71d, 0xa71e,
  0xa71f, 0xa788
])

/** Nonspacing marks (Kannada, Zanabazar Square, Bhaiksuki vowel signs) that Unicode classes L. */
const LEFT_TO_RIGHT_MARKS = new Set([0x0cbf, 0x0cc6, 0x11a07, 0x11a08, 0x11c3f])

/** The Bidi_Class of a code point a U-label may hold (PVALID, CONTEXTO or CONTEXTJ). */
export const bidiClass = (cp: number): BidiClass => {
  if (cp === 0x2d) return "ES"
  if (cp === 0x200c || cp === 0x200d) return "BN" // the joiners
  if ((cp >= 0x30 && cp <= 0x39) || (cp >= 0x06f0 && cp <= 0x06f9)) return "EN"
  if ((cp >= 0x0660 && cp <= 0x0669) || (cp >= 0x10d30 && cp <= 0x10d39)) return "AN"
  if (OTHER_NEUTRAL.has(cp)) return "ON"
  const char = String.fromCodePoint(cp)
  if (NONSPACING_MARK.test(char)) return LEFT_TO_RIGHT_MARKS.has(cp) ? "L" : "NSM"
  return RIGHT_TO_LEFT.test(char) ? "R" : "L"
}

/**
 * Why a label breaks the Bidi rule, or `undefined`. The rule binds labels that hold a
 * right-to-left character (R, AL or AN), as RFC 5891 §4.2.3.4 applies it; a left-to-right
 * label beside them is not checked (conditions 5 and 6 of RFC 5893, read for every label of such
 * a domain, would refuse `ب.1und1.de` for its digit-first ASCII label, which Node's own
 * conversion accepts).
 */
export const bidiProblem = (label: string): string | undefined => {
  const classes = Array.from(label, (char) => bidiClass(char.codePointAt(0)!))
  if (!classes.some((c) => c === "R" || c === "AN")) return undefined
  if (classes[0] !== "R") return "is right-to-left but does not start with a right-to-left letter (RFC 5893)"
  if (classes.includes("L")) return "mixes right-to-left and left-to-right letters (RFC 5893)"
  let last = classes.length - 1
  while (last > 0 && classes[last] === "NSM") last--
  const end = classes[last]
  if (end !== "R" && end !== "EN" && end !== "AN") {
    return "is right-to-left but does not end with a letter or digit (RFC 5893)"
  }
  if (classes.includes("EN") && classes.includes("AN")) {
    return "mixes Arabic-Indic and European digits in right-to-left text (RFC 5893)"
  }
  return undefined
}
