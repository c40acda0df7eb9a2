import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import * as Email from "../src/Email.js"
import { bidiClass, bidiProblem } from "../src/internal/bidi.js"

interface Table {
  readonly classes: Readonly<Record<string, ReadonlyArray<readonly [number, number]>>>
}
const unicode14: Table = JSON.parse(readFileSync(new URL("./fixtures/bidi-class-unicode-14.0.json", import.meta.url), "utf8"))

describe("Bidi class of U-label code points", () => {
  it("agrees with Unicode 14.0's Bidi_Class on every allowed code point it assigns", () => {
    const disagreements: Array<string> = []
    for (const [expected, ranges] of Object.entries(unicode14.classes)) {
      for (const [from, to] of ranges) {
        for (let cp = from; cp <= to; cp++) {
          const mine = bidiClass(cp)
          // U+1171E (Ahom) was a nonspacing mark in Unicode 14 and is a spacing one (L) since 16.
          if (mine !== expected && cp !== 0x1171e) disagreements.push(`U+${cp.toString(16)}: ${mine}, Unicode 14 ${expected}`)
        }
      }
    }
    assert.deepStrictEqual(disagreements.slice(0, 20), [])
  })
})

describe("the Bidi rule (RFC 5893)", () => {
  it("leaves left-to-right labels alone", () => {
    assert.isUndefined(bidiProblem("1und1"))
    assert.isUndefined(bidiProblem("bücher"))
  })

  it("accepts right-to-left labels that start with a letter and end with a letter or digit", () => {
    assert.isUndefined(bidiProblem("مثال"))
    assert.isUndefined(bidiProblem("ب1"))
    assert.isUndefined(bidiProblem("ب٠١"))
    assert.isUndefined(bidiProblem("ب\u064e")) // a trailing nonspacing mark
    assert.isUndefined(bidiProblem("דוגמה"))
  })

  it("refuses right-to-left labels that start with a digit, mix directions or digit sets, or end in a hyphen-like neutral", () => {
    assert.match(bidiProblem("1ب") ?? "", /does not start with a right-to-left letter/)
    assert.match(bidiProblem("٠ب") ?? "", /does not start with a right-to-left letter/)
    assert.match(bidiProblem("بa") ?? "", /mixes right-to-left and left-to-right/)
    assert.match(bidiProblem("aب") ?? "", /does not start with a right-to-left letter/)
    assert.match(bidiProblem("ب٠1") ?? "", /mixes Arabic-Indic and European digits/)
    assert.match(bidiProblem("א\u05f3ב-") ?? "", /does not end with a letter or digit/)
  })

  it("is part of the email rule, for each right-to-left label of the domain", () => {
    const reason = (raw: string) => {
      const result = Email.normalize(raw)
      return Either.isLeft(result) ? result.left.reason : `accepted as ${result.right}`
    }
    assert.strictEqual(reason("ada@مثال.com"), "accepted as ada@مثال.com")
    assert.strictEqual(reason("ada@ب.1und1.de"), "accepted as ada@ب.1und1.de")
    assert.match(reason("ada@بa.com"), /label "بa" mixes right-to-left and left-to-right letters/)
    assert.match(reason("ada@example.xn--a-1mc"), /top-level domain \(aب\) is right-to-left but does not start/)
  })
})
