import { assert, describe, it } from "@effect/vitest"
import * as Cause from "effect/Cause"
import * as Schema from "effect/Schema"
import * as Redact from "../src/Redact.js"

const Config = Schema.Struct({
  clientId: Schema.String,
  clientSecret: Schema.Redacted(Schema.String),
  credentials: Schema.Struct({ refreshToken: Schema.Redacted(Schema.String) }),
  tokens: Schema.optional(Schema.Array(Schema.Redacted(Schema.String)))
})
const stored = { clientId: "client-1", clientSecret: "s3cr3t/+ &=\"x\"", credentials: { refreshToken: "1//0gRefresh-Token_value" }, tokens: ["pat-aaaa-bbbb"] }

describe("Redact", () => {
  it("the secrets are the Redacted values of the decoded config, nested or in arrays, and nothing else", () => {
    assert.sameMembers([...Redact.secretsOf(Config, stored)], ["s3cr3t/+ &=\"x\"", "1//0gRefresh-Token_value", "pat-aaaa-bbbb"])
  })

  it("a config the schema does not decode (or no schema) counts every string as secret", () => {
    assert.sameMembers([...Redact.secretsOf(Config, { clientId: 7, other: "abc-secret" })], ["abc-secret"])
    assert.sameMembers([...Redact.secretsOf(undefined, stored)], ["client-1", "s3cr3t/+ &=\"x\"", "1//0gRefresh-Token_value", "pat-aaaa-bbbb"])
  })

  it("redacts a secret as sent, URL-encoded (both hex cases, form encoding) and JSON-escaped", () => {
    const secrets = Redact.secretsOf(Config, stored)
    const secret = "s3cr3t/+ &=\"x\""
    const echoed = [
      `raw ${secret}`,
      `uri ${encodeURIComponent(secret)}`,
      `lower ${encodeURIComponent(secret).toLowerCase()}`,
      `form ${new URLSearchParams({ client_secret: secret, refresh_token: "1//0gRefresh-Token_value" })}`,
      `json ${JSON.stringify({ echo: secret })}`
    ].join("\n")
    const out = Redact.redact(echoed, secrets)
    assert.notInclude(out, "s3cr3t")
    assert.notInclude(out, "Refresh-Token")
    assert.strictEqual(out.split(Redact.redacted).length - 1, 6)
    assert.include(out, "client_secret=<redacted>&refresh_token=<redacted>")
    assert.include(out, `{"echo":"<redacted>"}`)
  })

  it("a secret cut off by an excerpt leaves no piece of 8 characters or more", () => {
    const token = "1//0gRefresh-Token_value"
    const out = Redact.redact(`refresh_token=${token.slice(0, 12)}…`, [token])
    assert.strictEqual(out, "refresh_token=<redacted>…")
    assert.strictEqual(Redact.redact("ends with 1//0gRefr", [token]), "ends with <redacted>")
    // A short common prefix in ordinary text is left alone.
    assert.strictEqual(Redact.redact("1//0 and more", [token]), "1//0 and more")
  })

  it("stored text is redacted first, then capped", () => {
    const long = "x".repeat(5000) + " pat-aaaa-bbbb"
    const out = Redact.forStorage(`pat-aaaa-bbbb ${long}`, ["pat-aaaa-bbbb"])
    assert.strictEqual(out.length, Redact.maxMessageLength)
    assert.isTrue(out.startsWith("<redacted> xxx"))
    assert.isTrue(out.endsWith("…"))
    assert.strictEqual(Redact.forStorage("short", []), "short")
  })

  it("a logged cause keeps the failure but not the secret", () => {
    const text = Redact.prettyCause(Cause.die(new Error("token endpoint said: refresh_token=pat-aaaa-bbbb")), ["pat-aaaa-bbbb"])
    assert.include(text, "token endpoint said: refresh_token=<redacted>")
    assert.notInclude(text, "pat-aaaa-bbbb")
  })

  it("a short secret is redacted only where it stands alone, and a replacement is never searched again", () => {
    // Found when the engine's tests (config token "t") ran with redaction: every "t" of the
    // contact-limit message became "<redac<redacted>ed>".
    const message = "the account's contact limit of 3 is reached; token=t"
    assert.strictEqual(Redact.redact(message, ["t"]), "the account's contact limit of 3 is reached; token=<redacted>")
    assert.strictEqual(Redact.redact("secret redact-me-please here", ["redact-me-please", "dact"]), "secret <redacted> here")
    assert.strictEqual(Redact.redact("a-b-c said no", ["a-b-c", "e"]), "<redacted> said no")
  })
})
