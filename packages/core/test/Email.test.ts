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

  it("explains why in the error's message, naming the address", () => {
    const result = Email.normalize("ada@localhost")
    assert.isTrue(Either.isLeft(result))
    if (Either.isLeft(result)) assert.include(result.left.message, "\"ada@localhost\"")
  })
})
