import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import { readFileSync } from "node:fs"
import * as Email from "../src/Email.js"
import { isVirama, joinerOk, joiningType } from "../src/internal/joiners.js"

interface Fixture {
  readonly viramas: ReadonlyArray<number>
  readonly joiningTypes: Readonly<Record<string, ReadonlyArray<readonly [number, number]>>>
}
const data: Fixture = JSON.parse(readFileSync(new URL("./fixtures/joiners.json", import.meta.url), "utf8"))
const iana = JSON.parse(readFileSync(new URL("./fixtures/idna2008-unicode-17.0.json", import.meta.url), "utf8")) as {
  readonly PVALID: ReadonlyArray<readonly [number, number]>
  readonly CONTEXTO: ReadonlyArray<readonly [number, number]>
}

/** Viramas Unicode added after 14.0: Kawi (15.0), Tulu-Tigalari and Gurung Khema (16.0). */
const LATER_VIRAMAS = [0x113ce, 0x113cf, 0x113d0, 0x11f41, 0x11f42, 0x1612f]

describe("joiner contexts", () => {
  it("finds the viramas (canonical combining class 9) by canonical ordering", () => {
    const found: Array<number> = []
    for (let cp = 0; cp <= 0x10ffff; cp++) if (isVirama(String.fromCodePoint(cp))) found.push(cp)
    assert.deepStrictEqual(found, [...data.viramas, ...LATER_VIRAMAS].sort((a, b) => a - b))
  })

  it("gives every code point a U-label may hold its Unicode joining type", () => {
    const expected = new Map<number, string>()
    for (const [type, ranges] of Object.entries(data.joiningTypes)) {
      for (const [from, to] of ranges) for (let cp = from; cp <= to; cp++) expected.set(cp, type)
    }
    const disagreements: Array<string> = []
    for (const [from, to] of [...iana.PVALID, ...iana.CONTEXTO]) {
      for (let cp = from; cp <= to; cp++) {
        const mine = joiningType(String.fromCodePoint(cp))
        const theirs = expected.get(cp) ?? "U"
        if (mine !== theirs) disagreements.push(`U+${cp.toString(16)}: ${mine}, Unicode ${theirs}`)
      }
    }
    assert.deepStrictEqual(disagreements.slice(0, 20), [])
  })

  it("allows the zero width joiner only after a virama", () => {
    assert.isTrue(joinerOk(Array.from("क्\u200dष"), 2))
    assert.isFalse(joinerOk(Array.from("क\u200dष"), 1))
    assert.isFalse(joinerOk(Array.from("a\u200db"), 1))
  })

  it("allows the non-joiner after a virama or between letters that would join", () => {
    assert.isTrue(joinerOk(Array.from("क्\u200cष"), 2))
    assert.isTrue(joinerOk(Array.from("می\u200cخواهم"), 2))
    assert.isTrue(joinerOk(Array.from("بِ\u200cب"), 2)) // a transparent mark before it
    assert.isFalse(joinerOk(Array.from("و\u200cب"), 1)) // waw joins only to the right
    assert.isFalse(joinerOk(Array.from("ب\u200c"), 1))
    assert.isFalse(joinerOk(Array.from("a\u200cb"), 1))
  })

  it("is part of the email rule", () => {
    const reason = (raw: string) => {
      const result = Email.normalize(raw)
      return Either.isLeft(result) ? result.left.reason : `accepted as ${result.right}`
    }
    assert.strictEqual(reason("ada@می\u200cخواهم.com"), "accepted as ada@می\u200cخواهم.com")
    assert.strictEqual(reason("ada@क्\u200dष.in"), "accepted as ada@क्\u200dष.in")
    assert.match(reason("ada@a\u200db.com"), /invisible joiner U\+200D where IDNA2008 does not allow it/)
    assert.match(reason("ada@و\u200cب.com"), /invisible joiner U\+200C where IDNA2008 does not allow it/)
  })
})
