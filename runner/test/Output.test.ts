import { assert, describe, it } from "@effect/vitest"
import * as Output from "../src/Output.js"

// A contact named like this sets the terminal's title and clears the screen when printed raw.
const hostile = "\u001b]0;owned\u0007Ann\u001b[2J\u009b2J\r\nBob\u202eevil\u2028"

const controls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202e]/

describe("Output", () => {
  it("tables and details show control characters escaped, never raw", () => {
    const table = Output.table(["name", "email"], [[hostile, "ann@example.com"]])
    assert.notMatch(table, controls)
    assert.include(table, "\\u001b]0;owned\\u0007Ann\\u001b[2J\\u009b2J\\r\\nBob\\u202eevil\\u2028")
    assert.strictEqual(table.split("\n").length, 2, "a value cannot add lines to a table")
    const details = Output.details([["name", hostile]])
    assert.notMatch(details, controls)
    assert.strictEqual(details.split("\n").length, 1)
  })

  it("escapeKeepingLines keeps line breaks of our own messages", () => {
    assert.strictEqual(Output.escapeKeepingLines("a\n\u001b[31mb"), "a\n\\u001b[31mb")
  })
})
