import { assert, describe, it } from "@effect/vitest"
import * as Version from "../src/Version.js"

describe("Version.isCompatible", () => {
  it("follows semver caret rules: 0.x needs the same minor, 1.x and later the same major", () => {
    assert.isTrue(Version.isCompatible("0.1.0", "0.1.7"))
    assert.isFalse(Version.isCompatible("0.2.0", "0.1.0"))
    assert.isTrue(Version.isCompatible("1.2.0", "1.9.0"))
    assert.isFalse(Version.isCompatible("2.0.0", "1.9.0"))
    assert.isFalse(Version.isCompatible("not-a-version", "1.0.0"))
  })
})
