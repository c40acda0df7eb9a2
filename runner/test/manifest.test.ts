import { assert, describe, it } from "@effect/vitest"
import * as Manifest from "../src/internal/manifest.js"

describe("the declared @autoimport/core range", () => {
  it("is matched by semver, pnpm's bare workspace: ranges mean the workspace's core", () => {
    const cases: ReadonlyArray<readonly [string, string, Manifest.RangeCheck["_tag"]]> = [
      ["^0.1.0", "0.1.7", "Satisfied"],
      ["^0.1.0", "0.2.0", "NotSatisfied"],
      ["~1.2.0", "1.3.0", "NotSatisfied"],
      [">=0.1.0 <0.3.0", "0.2.5", "Satisfied"],
      ["^0.1.0 || ^0.2.0", "0.2.1", "Satisfied"],
      ["^0.2.0", "0.2.0-rc.1", "NotSatisfied"],
      ["workspace:^", "5.0.0", "Satisfied"],
      ["workspace:*", "5.0.0", "Satisfied"],
      ["workspace:^0.1.0", "0.2.0", "NotSatisfied"],
      ["the latest one", "0.1.0", "NotARange"],
      ["", "0.1.0", "Satisfied"]
    ]
    for (const [range, version, expected] of cases) {
      assert.strictEqual(Manifest.checkRange(range, version)._tag, expected, `${range} for ${version}`)
    }
  })

  it("is the peer dependency, else a plain dependency", () => {
    assert.deepStrictEqual(
      Manifest.declaredCoreRange({ peerDependencies: { "@autoimport/core": "^0.1.0" }, dependencies: { "@autoimport/core": "0.1.0" } }),
      { range: "^0.1.0", field: "peerDependencies" }
    )
    assert.deepStrictEqual(Manifest.declaredCoreRange({ dependencies: { "@autoimport/core": "0.1.0" } }), { range: "0.1.0", field: "dependencies" })
    assert.isUndefined(Manifest.declaredCoreRange({ dependencies: { effect: "3.22.4" } }))
  })
})
