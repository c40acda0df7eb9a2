import { assert, describe, it } from "@effect/vitest"
import { readFileSync } from "node:fs"
import { derivedProperty, uLabelProblem } from "../src/internal/idna2008.js"

interface Table {
  readonly unicode: string
  readonly PVALID: ReadonlyArray<readonly [number, number]>
  readonly CONTEXTJ: ReadonlyArray<readonly [number, number]>
  readonly CONTEXTO: ReadonlyArray<readonly [number, number]>
}
const iana: Table = JSON.parse(readFileSync(new URL("./fixtures/idna2008-unicode-17.0.json", import.meta.url), "utf8"))

/** The table's property of every code point: PVALID, CONTEXTJ, CONTEXTO, or neither (null). */
const expected = (): Array<string | null> => {
  const table = new Array<string | null>(0x110000).fill(null)
  for (const property of ["PVALID", "CONTEXTJ", "CONTEXTO"] as const) {
    for (const [from, to] of iana[property]) table.fill(property, from, to + 1)
  }
  return table
}

describe("IDNA2008 derived property", () => {
  it("runs on the Unicode version of the IANA table it is checked against", () => {
    // A Node with another Unicode version derives other properties for the code points that
    // version added or changed: refresh the fixture from the IANA registry for that version.
    assert.strictEqual(process.versions.unicode, iana.unicode)
  })

  it("agrees with the IANA table on every code point", () => {
    const table = expected()
    const disagreements: Array<string> = []
    for (let cp = 0; cp <= 0x10ffff; cp++) {
      const derived = derivedProperty(cp)
      const mine = derived === "DISALLOWED" || derived === "UNASSIGNED" ? null : derived
      if (mine !== table[cp]) disagreements.push(`U+${cp.toString(16)}: ${derived}, IANA ${table[cp] ?? "neither"}`)
    }
    assert.deepStrictEqual(disagreements.slice(0, 20), [])
  })

  it("names the unassigned, the disallowed and the exceptions", () => {
    assert.strictEqual(derivedProperty(0x0378), "UNASSIGNED")
    assert.strictEqual(derivedProperty(0xfdd0), "DISALLOWED") // a noncharacter is not "unassigned"
    assert.strictEqual(derivedProperty(0x00a9), "DISALLOWED")
    assert.strictEqual(derivedProperty(0xff47), "DISALLOWED") // full-width g
    assert.strictEqual(derivedProperty(0x0041), "DISALLOWED") // upper case
    assert.strictEqual(derivedProperty(0x00df), "PVALID")
    assert.strictEqual(derivedProperty(0x0640), "DISALLOWED")
    assert.strictEqual(derivedProperty(0x200c), "CONTEXTJ")
  })
})

describe("U-label rules", () => {
  it("refuses hyphens at the ends or in the third and fourth positions", () => {
    assert.match(uLabelProblem("-ü") ?? "", /hyphen/)
    assert.match(uLabelProblem("ü-") ?? "", /hyphen/)
    assert.match(uLabelProblem("üü--ü") ?? "", /third and fourth/)
    assert.isUndefined(uLabelProblem("ü-ü"))
  })

  it("refuses a label not in NFC", () => {
    assert.match(uLabelProblem("u\u0308") ?? "", /normalization form C/)
  })

  it("applies the CONTEXTO rules", () => {
    assert.isUndefined(uLabelProblem("l·l"))
    assert.isDefined(uLabelProblem("a·l"))
    assert.isUndefined(uLabelProblem("\u0375α"))
    assert.isDefined(uLabelProblem("\u0375a"))
    assert.isUndefined(uLabelProblem("א\u05f3"))
    assert.isDefined(uLabelProblem("a\u05f3"))
    assert.isUndefined(uLabelProblem("カ・カ"))
    assert.isDefined(uLabelProblem("ü・ü"))
    assert.isUndefined(uLabelProblem("ب٠١"))
    assert.isDefined(uLabelProblem("ب٠۱"))
  })

  it("prints code points that are invisible by number only", () => {
    assert.strictEqual(uLabelProblem("a\u00adb"), "has U+00AD, which domain names cannot hold (IDNA2008)")
    assert.strictEqual(uLabelProblem("a©"), "has \"©\" (U+00A9), which domain names cannot hold (IDNA2008)")
  })
})
