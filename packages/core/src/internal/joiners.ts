/**
 * The contexts in which IDNA2008 allows the two invisible joiners (RFC 5892 Appendix A.1, A.2):
 * ZERO WIDTH JOINER only after a virama, ZERO WIDTH NON-JOINER after a virama or between two
 * letters that would otherwise join (the Persian non-joiner in `می‌خواهم`). For the email rule
 * (docs/email-rule.md).
 */

/**
 * References for canonical ordering: U+3099 has canonical combining class 8, U+05B0 class 10.
 * JavaScript cannot read a combining class, but normalization reorders two marks exactly when
 * the first has the higher non-zero class, so a mark is a virama (class 9) when it moves behind
 * U+3099 and in front of U+05B0. That keeps the set the runtime's own Unicode data, like the
 * rest of ./idna2008.ts (test/joiners.test.ts compares it with Unicode's data).
 */
const CLASS_8 = "\u3099"
const CLASS_10 = "\u05b0"

const MARK = /^\p{M}$/u

export const isVirama = (char: string): boolean =>
  MARK.test(char) && char !== CLASS_8 && char !== CLASS_10 && char.normalize("NFD") === char &&
  `a${char}${CLASS_8}`.normalize("NFD") === `a${CLASS_8}${char}` &&
  `a${CLASS_10}${char}`.normalize("NFD") === `a${char}${CLASS_10}`

/**
 * Joining_Type L, D and R of the code points a U-label may hold, from Unicode 17.0's
 * ArabicShaping data (Arabic, Syriac, NKo, Mandaic, Mongolian, Phags-pa, Manichaean, Psalter
 * Pahlavi, Hanifi Rohingya, Sogdian, Old Uyghur, Chorasmian, Adlam and related scripts); no
 * regular expression property gives it.
 */
const JOINING = {
  L: "A872 10ACD 10AD7 10D00",
  D: `0620 0626 0628 062A-062E 0633-063F 0641-0647 0649-064A 066E-066F 0679-0687 069A-06BF
    06C1-06C2 06CC 06CE 06D0-06D1 06FA-06FC 06FF 0712-0714 071A-071D 071F-0727 0729 072B
    072D-072E 074E-0758 075C-076A 076D-0770 0772 0775-0777 077A-077F 07CA-07EA 0841-0845 0848
    084A-0853 0855 0860 0862-0865 0868 0886 0889-088D 088F 08A0-08A9 08AF-08B0 08B3-08B8
    08BA-08C8 1820-1878 1887-18A8 18AA A840-A871 10AC0-10AC4 10AD3-10AD6 10AD8-10ADC
    10ADE-10AE0 10B80 10B82 10B86-10B88 10B8A-10B8B 10B8D 10B90 10D01-10D21 10D23 10EC3-10EC4
    10EC6-10EC7 10F30-10F32 10F34-10F44 10F70-10F73 10F76-10F81 10FB0 10FB2-10FB3 10FB8
    10FBB-10FBC 10FBE-10FBF 10FC1 10FC4 1E922-1E943`,
  R: `0622-0625 0627 0629 062F-0632 0648 0671-0673 0688-0699 06C0 06C3-06CB 06CD 06CF 06D2-06D3
    06D5 06EE-06EF 0710 0715-0719 071E 0728 072A 072C 072F 074D 0759-075B 076B-076C 0771
    0773-0774 0778-0779 0840 0846-0847 0849 0854 0856-0858 0867 0869-086A 0870-0882 088E
    08AA-08AC 08AE 08B1-08B2 08B9 10AC5 10AC7 10AC9-10ACA 10ACE-10AD2 10ADD 10AE1 10AE4 10B81
    10B83-10B85 10B89 10B8C 10B8E-10B8F 10B91 10D22 10EC2 10F33 10F74-10F75 10FB4-10FB6
    10FB9-10FBA 10FBD 10FC2-10FC3`
} as const

export type JoiningType = "L" | "D" | "R" | "T" | "U"

const JOINING_TYPES: ReadonlyMap<number, JoiningType> = (() => {
  const map = new Map<number, JoiningType>()
  for (const [type, ranges] of Object.entries(JOINING) as Array<[JoiningType, string]>) {
    for (const range of ranges.split(/\s+/)) {
      const [from, to = from] = range.split("-").map((hex) => parseInt(hex, 16)) as [number, number?]
      for (let cp = from; cp <= to; cp++) map.set(cp, type)
    }
  }
  return map
})()

/**
 * Transparent: among the code points a U-label may hold, the enclosing and nonspacing marks
 * and one Adlam modifier letter (U+1E94B).
 */
const TRANSPARENT = /^[\p{Mn}\p{Me}\u{1e94b}]$/u

/** Joining_Type of a code point a U-label may hold (U: does not join, or not listed). */
export const joiningType = (char: string): JoiningType =>
  TRANSPARENT.test(char) ? "T" : JOINING_TYPES.get(char.codePointAt(0)!) ?? "U"

/** Whether the joiner at `chars[i]` stands where RFC 5892 Appendix A.1/A.2 allows it. */
export const joinerOk = (chars: ReadonlyArray<string>, i: number): boolean => {
  const before = chars[i - 1]
  if (before !== undefined && isVirama(before)) return true
  if (chars[i] !== "\u200c") return false
  // (Joining_Type:{L,D})(Joining_Type:T)* ZWNJ (Joining_Type:T)*(Joining_Type:{R,D})
  let left = i - 1
  while (left >= 0 && joiningType(chars[left]!) === "T") left--
  let right = i + 1
  while (right < chars.length && joiningType(chars[right]!) === "T") right++
  const l = left >= 0 ? joiningType(chars[left]!) : "U"
  const r = right < chars.length ? joiningType(chars[right]!) : "U"
  return (l === "L" || l === "D") && (r === "R" || r === "D")
}
