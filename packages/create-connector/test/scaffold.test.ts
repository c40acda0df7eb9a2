import { isConnector } from "@autoimport/core/Connector"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { execFileSync, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { packageJson } from "../src/Scaffold.js"

const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
const bin = path.join(packageDir, "dist", "bin.js")

/** Runs the built command, as `npx @autoimport/create-connector` would. */
const run = (args: ReadonlyArray<string>, cwd = os.tmpdir()) => {
  const result = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: "utf8" })
  return { status: result.status, stdout: result.stdout, stderr: result.stderr }
}

const tempDirs: Array<string> = []
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "create-connector-"))
  tempDirs.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of tempDirs) fs.rmSync(dir, { recursive: true, force: true })
})

const allFiles = (dir: string, prefix = ""): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? entry.name === "node_modules" || entry.name === "dist" ? [] : allFiles(path.join(dir, entry.name), path.join(prefix, entry.name))
      : [path.join(prefix, entry.name)]
  )

describe("create-autoimport-connector: bad input exits with 2 and writes nothing", () => {
  const cases: ReadonlyArray<readonly [string, ReadonlyArray<string>, RegExp]> = [
    ["no id", [], /missing the connector id/],
    ["an id that is not kebab-case", ["Acme_CRM"], /"Acme_CRM" is not kebab-case/],
    ["an id with a double dash", ["acme--crm"], /not kebab-case/],
    ["two ids", ["acme", "crm"], /unexpected argument\(s\): crm/],
    ["an unknown option", ["acme", "--scope", "x"], /Unknown option '--scope'/],
    ["a name with quotes", ["acme", "--name", "Acme \"CRM\""], /not a usable service name/]
  ]
  for (const [what, args, message] of cases) {
    it(what, () => {
      const cwd = tempDir()
      const result = run(args, cwd)
      assert.strictEqual(result.status, 2, result.stderr)
      assert.match(result.stderr, message)
      assert.match(result.stderr, /usage: create-autoimport-connector <id>/)
      assert.deepStrictEqual(fs.readdirSync(cwd), [])
    })
  }

  it("a --dir that is not empty", () => {
    const dir = tempDir()
    fs.writeFileSync(path.join(dir, "keep.txt"), "mine")
    const result = run(["acme", "--dir", dir])
    assert.strictEqual(result.status, 2)
    assert.include(result.stderr, `--dir ${dir} is not empty`)
    assert.deepStrictEqual(fs.readdirSync(dir), ["keep.txt"])
  })

  it("a default directory that is not empty", () => {
    const cwd = tempDir()
    fs.mkdirSync(path.join(cwd, "autoimport-connector-acme"))
    fs.writeFileSync(path.join(cwd, "autoimport-connector-acme", "keep.txt"), "mine")
    const result = run(["acme"], cwd)
    assert.strictEqual(result.status, 2)
    assert.include(result.stderr, `the default directory ${path.join(cwd, "autoimport-connector-acme")} is not empty`)
  })

  it("a --dir that is a file", () => {
    const file = path.join(tempDir(), "file")
    fs.writeFileSync(file, "")
    const result = run(["acme", "--dir", file])
    assert.strictEqual(result.status, 2)
    assert.include(result.stderr, "is a file")
  })
})

it("create-autoimport-connector --help prints the usage and exits with 0", () => {
  const cwd = tempDir()
  const result = run(["--help"], cwd)
  assert.strictEqual(result.status, 0)
  assert.match(result.stdout, /^usage: create-autoimport-connector <id> \[--dir <path>\] \[--name "<Service Name>"\]/)
  assert.deepStrictEqual(fs.readdirSync(cwd), [])
})

describe("create-autoimport-connector: a scaffolded package", () => {
  it("follows the connector package contract, with the repository's versions", () => {
    const manifest = packageJson({ id: "acme-crm", name: "Acme CRM" })
    const core = JSON.parse(fs.readFileSync(path.join(packageDir, "..", "core", "package.json"), "utf8"))
    assert.strictEqual(manifest.name, "autoimport-connector-acme-crm")
    assert.strictEqual(manifest.type, "module")
    assert.deepStrictEqual(Object.keys(manifest.exports), [".", "./fake"])
    assert.deepStrictEqual(manifest.autoimport, { connector: true })
    assert.deepStrictEqual(manifest.peerDependencies, { "@autoimport/core": `^${core.version}` })
    assert.notProperty(manifest.dependencies, "@autoimport/core")
    assert.strictEqual(manifest.dependencies.effect, core.dependencies.effect)
    for (const version of [...Object.values(manifest.dependencies), ...Object.values(manifest.devDependencies)]) {
      assert.match(version, /^\^?\d+\.\d+\.\d+$/, "published packages need registry versions, not workspace: ranges")
    }
  })

  it("is the template with the id and name substituted, builds with its own tsconfig, and exports the connector", async () => {
    const dir = path.join(tempDir(), "acme")
    const result = run(["acme-crm", "--dir", dir, "--name", "Acme CRM"])
    assert.strictEqual(result.status, 0, result.stderr)
    assert.include(result.stdout, `Created autoimport-connector-acme-crm (Acme CRM) in ${dir}`)
    assert.deepStrictEqual(allFiles(dir).sort(), [
      ".gitignore",
      "README.md",
      "package.json",
      "src/fake/index.ts",
      "src/index.ts",
      "test/acceptance.test.ts",
      "tsconfig.build.json",
      "tsconfig.json",
      "vitest.config.ts"
    ])
    for (const file of allFiles(dir)) {
      const text = fs.readFileSync(path.join(dir, file), "utf8")
      assert.notMatch(text, /example-service|Example Service|EXAMPLE_SERVICE/, `${file} still holds a template token`)
    }
    assert.include(fs.readFileSync(path.join(dir, "README.md"), "utf8"), "`%ACME_CRM_COMPANY%`")

    // The dependencies it declares, as npm install would provide them: the ones the template is compiled with here.
    fs.symlinkSync(path.join(packageDir, "node_modules"), path.join(dir, "node_modules"), "dir")
    const tsc = createRequire(path.join(packageDir, "package.json")).resolve("typescript/bin/tsc")
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: dir, stdio: "pipe" })
    execFileSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: dir, stdio: "pipe" })
    const module = await import(pathToFileURL(path.join(dir, "dist", "index.js")).href)
    assert.isTrue(isConnector(module.default))
    assert.strictEqual(module.default.id, "acme-crm")
    assert.strictEqual(module.default.name, "Acme CRM")
    const fake = await import(pathToFileURL(path.join(dir, "dist", "fake", "index.js")).href)
    assert.strictEqual(fake.makeFake({ seed: 1, size: 20 }).contacts().length, 20)
  }, 120_000)
})
