import { afterAll, assert, describe, it } from "@effect/vitest"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import * as Version from "../src/Version.js"

const packageDir = path.resolve(import.meta.dirname, "..")
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "autoimport-core-version-"))
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }))

/** A copy of this package's Version module under a package.json of another version, as a second install would be. */
const copyWithVersion = (version: string) => {
  const dir = fs.mkdtempSync(path.join(scratch, "core-"))
  fs.mkdirSync(path.join(dir, "src"))
  fs.mkdirSync(path.join(dir, "node_modules"))
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "@autoimport/core", version, type: "module" }))
  fs.copyFileSync(path.join(packageDir, "src", "Version.ts"), path.join(dir, "src", "Version.ts"))
  fs.symlinkSync(fs.realpathSync(path.join(packageDir, "node_modules", "effect")), path.join(dir, "node_modules", "effect"))
  return path.join(dir, "src", "Version.ts")
}

describe("Version.isCompatible", () => {
  it("follows semver caret rules: 0.x needs the same minor, 1.x and later the same major", () => {
    assert.isTrue(Version.isCompatible("0.1.0", "0.1.7"))
    assert.isFalse(Version.isCompatible("0.2.0", "0.1.0"))
    assert.isTrue(Version.isCompatible("1.2.0", "1.9.0"))
    assert.isFalse(Version.isCompatible("2.0.0", "1.9.0"))
    assert.isFalse(Version.isCompatible("not-a-version", "1.0.0"))
  })
})

describe("Version.coreVersion", () => {
  it("is this package's version", () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(packageDir, "package.json"), "utf8")) as { version: string }
    assert.strictEqual(Version.coreVersion, manifest.version)
  })

  it("is read from the package.json next to the module, not hard-coded (issue 15)", async () => {
    const copy = (await import(pathToFileURL(copyWithVersion("7.3.1")).href)) as typeof Version
    assert.strictEqual(copy.coreVersion, "7.3.1")
    assert.isFalse(copy.isCompatible(Version.coreVersion))
  })
})

describe("Version.loadedCopies", () => {
  it("lists every copy of the core loaded into the process, this one first", async () => {
    assert.deepStrictEqual(Version.loadedCopies()[0], Version.self)
    const file = copyWithVersion("0.9.0")
    const copy = (await import(pathToFileURL(file).href)) as typeof Version
    assert.deepStrictEqual(copy.self, { file, version: "0.9.0" })
    assert.deepInclude(Version.loadedCopies(), { file, version: "0.9.0" })
    assert.deepStrictEqual(copy.loadedCopies(), Version.loadedCopies(), "every copy sees the same list")
  })
})
