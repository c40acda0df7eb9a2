import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Email from "../src/Email.js"

const valid = (raw: string) => {
  const result = Email.normalize(raw)
  assert.isTrue(Either.isRight(result), `${JSON.stringify(raw)} should be valid, got ${Either.isLeft(result) ? result.left.reason : ""}`)
  return Either.getOrThrow(result) as string
}
const invalid = (raw: string) => {
  const result = Email.normalize(raw)
  assert.isTrue(Either.isLeft(result), `${JSON.stringify(raw)} should be invalid`)
  return Either.isLeft(result) ? result.left.reason : ""
}

describe("Email.normalize", () => {
  it("trims surrounding white space, including non-breaking and ideographic spaces", () => {
    assert.strictEqual(valid("  ada@example.com\t\n"), "ada@example.com")
    assert.strictEqual(valid("\u00a0ada@example.com\u3000"), "ada@example.com")
  })

  it("lower-cases the whole address so case variants are one contact", () => {
    assert.strictEqual(valid("Ada.Lovelace@Example.COM"), "ada.lovelace@example.com")
  })

  it("keeps plus addressing as a distinct mailbox", () => {
    assert.strictEqual(valid("ada+newsletter@example.com"), "ada+newsletter@example.com")
  })

  it("accepts internationalized domains and stores one canonical Unicode form", () => {
    assert.strictEqual(valid("kunde@Bücher.de"), "kunde@bücher.de")
    assert.strictEqual(valid("kunde@xn--bcher-kva.de"), "kunde@bücher.de")
    assert.strictEqual(valid("user@例え.jp"), "user@例え.jp")
  })

  it("rejects quoted local parts", () => {
    assert.match(invalid("\"john doe\"@example.com"), /quoted/)
  })

  it("drops one trailing dot of a fully qualified domain, rejects dots elsewhere", () => {
    assert.strictEqual(valid("ada@example.com."), "ada@example.com")
    assert.match(invalid("ada.@example.com"), /dot/)
    assert.match(invalid(".ada@example.com"), /dot/)
    assert.match(invalid("ada..l@example.com"), /dot/)
    assert.match(invalid("ada@example..com"), /label/)
  })

  it("rejects inner white space", () => {
    assert.match(invalid("ada lovelace@example.com"), /white space/)
    assert.match(invalid("ada@exam ple.com"), /white space/)
  })

  it("rejects a domain without a top-level domain, or a numeric one", () => {
    assert.match(invalid("ada@localhost"), /top-level/)
    assert.match(invalid("ada@127.0.0.1"), /numeric/)
    assert.match(invalid("ada@[127.0.0.1]"), /IP/)
  })

  it("rejects zero or two @", () => {
    assert.match(invalid("ada.example.com"), /no @/)
    assert.match(invalid("ada@lovelace@example.com"), /more than one @/)
    assert.match(invalid("@example.com"), /empty/)
    assert.match(invalid("ada@"), /empty/)
  })

  it("rejects overlong parts", () => {
    assert.strictEqual(valid(`${"a".repeat(64)}@example.com`), `${"a".repeat(64)}@example.com`)
    assert.match(invalid(`${"a".repeat(65)}@example.com`), /64/)
    assert.match(invalid(`ada@${"b".repeat(64)}.com`), /label/)
    const longDomain = Array.from({ length: 5 }, () => "c".repeat(60)).join(".") + ".com"
    assert.match(invalid(`ada@${longDomain}`), /253/)
  })

  it("rejects characters outside the dot-atom, control characters and the empty string", () => {
    assert.match(invalid("ada(comment)@example.com"), /not allowed/)
    assert.match(invalid("ada\u0000@example.com"), /control/)
    assert.match(invalid("   "), /empty/)
    assert.match(invalid("ädä@example.com"), /not allowed/)
  })

  it("rejects symbols, emoji and other code points IDNA2008 disallows, in any label and in either form", () => {
    assert.match(invalid("username@domain.com©"), /top-level domain has "©" \(U\+00A9\).*IDNA2008/)
    assert.match(invalid("username@domain.xn--com-1ea"), /top-level domain \(com©\) has "©"/)
    assert.match(invalid("ada@😀.com"), /label "😀" has "😀" \(U\+1F600\)/)
    assert.match(invalid("ada@xn--e28h.com"), /U\+1F600/)
    assert.match(invalid("ada@i♥.com"), /U\+2665/)
    assert.match(invalid("ada@a\u00adb.com"), /U\+00AD/)
    assert.match(invalid("ada@\u0301a.com"), /starts with a combining mark/)
    assert.match(invalid("ada@xn--zz.com"), /not a valid internationalized/)
  })

  it("accepts what IDNA2008 allows, including its exceptions and contextual rules", () => {
    assert.strictEqual(valid("ada@faß.de"), "ada@faß.de")
    assert.strictEqual(valid("ada@xn--fa-hia.de"), "ada@faß.de")
    assert.strictEqual(valid("ada@ı.com"), "ada@ı.com")
    assert.strictEqual(valid("ada@ᎠᏍᏓ.com"), "ada@ᎠᏍᏓ.com")
    assert.strictEqual(valid("ada@paral·lel.cat"), "ada@paral·lel.cat")
    assert.match(invalid("ada@par·a.cat"), /"·" \(U\+00B7\) where IDNA2008 does not allow it/)
    assert.strictEqual(valid("ada@ب٠١.com"), "ada@ب٠١.com")
    assert.match(invalid("ada@ب٠۱.com"), /U\+0660\) where IDNA2008 does not allow it/)
    assert.match(invalid("ada@a\u200db.com"), /joiner U\+200D/)
  })

  it("rejects a top-level domain of one character or with anything but letters", () => {
    assert.match(invalid("z@co.c"), /top-level domain has only one character/)
    assert.match(invalid("ada@example.c0m"), /top-level domain must be letters/)
    assert.match(invalid("ada@example.co-m"), /top-level domain must be letters/)
    assert.strictEqual(valid("ada@例え.テスト"), "ada@例え.テスト")
    assert.strictEqual(valid("ada@example.xn--zckzah"), "ada@example.テスト")
  })

  it("refuses addresses that only become valid through a compatibility mapping, naming the fix", () => {
    const reason = /needs a compatibility mapping \(full-width or similar characters\); the source should hold the plain form/
    assert.match(invalid("somename@ｇｍａｉｌ.com"), reason)
    assert.match(invalid("somename@ｇmail.com"), /^the domain needs/)
    assert.match(invalid("ada@ﬁsh.com"), reason)
    assert.match(invalid("ada@例え。jp"), reason)
    assert.match(invalid("ｓｏｍｅｎａｍｅ@gmail.com"), /^the part before @ needs/)
    assert.match(invalid("somename＠gmail.com"), /^its @ needs/)
    // the KELVIN SIGN lower-cases to a plain k: it must not slip into the part before @
    assert.match(invalid("\u212aelvin@example.com"), /^the part before @ needs/)
  })

  it("joins canonically equivalent spellings of a domain (NFC), which look the same", () => {
    assert.strictEqual(valid("kunde@bu\u0308cher.de"), "kunde@bücher.de")
    assert.strictEqual(valid("ada@\u212aelvin.com"), "ada@kelvin.com")
  })

  it("measures the length limit on the ASCII form of the address", () => {
    const label = "ü".repeat(20) // xn--tdaaaaaaaaaaaaaaaaaaaa: 26 characters as an A-label
    const domain = Array.from({ length: 8 }, () => label).join(".") + ".de" // 170 in Unicode, 218 in ASCII
    assert.strictEqual(valid(`${"a".repeat(35)}@${domain}`), `${"a".repeat(35)}@${domain}`)
    assert.match(invalid(`${"a".repeat(36)}@${domain}`), /longer than 254/)
    assert.match(invalid(`ada@${"ü".repeat(60)}.de`), /longer than 63 characters in its ASCII form/)
    assert.match(invalid("a".repeat(100_000) + "@example.com"), /longer than 254/)
  })

  it("ends on a long run of spaces inside the input (no regular expression backtracking)", () => {
    // Trimming with /\s+$/ backtracked from every space of the run: about an hour of CPU for
    // this input, one sync stalled on one record. The verdict is what is asserted.
    assert.match(invalid(`ada${" ".repeat(1_000_000)}x@example.com`), /longer than 254/)
    assert.match(invalid(`ada${"\u3000".repeat(100)}@example.com`), /white space/)
    assert.strictEqual(valid(`${" ".repeat(1_000_000)}ada@example.com\u3000\u3000`), "ada@example.com")
  })

  it("explains why in the error's message, naming the address", () => {
    const result = Email.normalize("ada@localhost")
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) assert.include(result.left.message, "\"ada@localhost\"")
  })
})
