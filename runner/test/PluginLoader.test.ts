import { Version } from "@autoimport/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Logger from "effect/Logger"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll } from "vitest"
import type { ConnectorSpec } from "../src/Config.js"
import * as PluginLoader from "../src/PluginLoader.js"

const fixtures = path.join(import.meta.dirname, "fixtures")
const scratch = mkdtempSync(path.join(tmpdir(), "autoimport-plugins-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const spec = (specifier: string, settings?: unknown, i = 0): ConnectorSpec => ({
  specifier,
  settings,
  where: `test.json: connectors[${i}]`
})

const load = (specs: ReadonlyArray<ConnectorSpec>, cwd = scratch) => PluginLoader.loadAll(specs, { cwd, baseDir: fixtures })

/** Runs `effect`, collecting the warnings it logs. */
const withWarnings = <A, E>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function*() {
    const warnings: Array<string> = []
    const logger = Logger.make(({ logLevel, message }) => {
      if (logLevel._tag === "Warning") warnings.push(Array.isArray(message) ? message.join(" ") : String(message))
    })
    const result = yield* effect.pipe(Effect.provide(Logger.replace(Logger.defaultLogger, logger)))
    return { result, warnings }
  })

const fixtureUrl = (name: string) => JSON.stringify(pathToFileURL(path.join(fixtures, name)).href)

/**
 * A throwaway connector package in `<project>/node_modules/<name>`, as npm installs one: its
 * package.json with `manifest`, and a main module re-exporting a fixture (which resolves the
 * runner's core) or with its own source.
 */
const writePackage = (project: string, name: string, manifest: object, main: string) => {
  const dir = path.join(project, "node_modules", name)
  mkdirSync(dir, { recursive: true })
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, type: "module", exports: { ".": { import: "./main.js" } }, ...manifest }))
  writeFileSync(path.join(dir, "main.js"), main)
  return dir
}
const reexport = (fixture: string) => `export { default } from ${fixtureUrl(fixture)}\n`
const project = () => mkdtempSync(path.join(scratch, "project-"))

describe("PluginLoader", () => {
  it.effect("loads a connector by path (relative to the config file) and decodes its settings", () =>
    Effect.gen(function*() {
      const { result: [loaded], warnings } = yield* withWarnings(load([spec("./good-connector.mjs", { baseUrl: "http://127.0.0.1:1" })]))
      assert.strictEqual(loaded!.connector.id, "fixture-good")
      assert.deepStrictEqual(loaded!.settings, { baseUrl: "http://127.0.0.1:1" })
      // A lone file keeps the version it declares: the package.json above it (the runner's) is not the connector's.
      assert.strictEqual(loaded!.connector.version, "1.0.0")
      assert.deepStrictEqual(warnings, [], "one core, no warning")
    }))

  it.effect("resolves a package name from the working directory, also an ESM-only package", () =>
    Effect.gen(function*() {
      const project = path.join(scratch, "project")
      const pkg = path.join(project, "node_modules", "@acme", "connector-fixture")
      mkdirSync(pkg, { recursive: true })
      // Only an "import" condition: require.resolve refuses it, as it would a real ESM-only connector.
      writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "@acme/connector-fixture", type: "module", exports: { ".": { import: "./main.js" } } }))
      writeFileSync(path.join(pkg, "main.js"), `export { default } from ${JSON.stringify(pathToFileURL(path.join(fixtures, "good-connector.mjs")).href)}\n`)
      const [loaded] = yield* load([spec("@acme/connector-fixture", { baseUrl: "x" })], project)
      assert.strictEqual(loaded!.connector.name, "Fixture Good")
    }))

  it.effect("falls back to the runner's own dependencies for the built-in connector", () =>
    Effect.gen(function*() {
      const [loaded] = yield* load([spec("@autoimport/connector-google-contacts")])
      assert.strictEqual(loaded!.connector.id, "google-contacts")
      assert.isTrue(Version.isCompatible(loaded!.connector.coreVersion))
      const manifest = JSON.parse(
        readFileSync(path.join(import.meta.dirname, "..", "node_modules", "@autoimport", "connector-google-contacts", "package.json"), "utf8")
      ) as { version: string }
      assert.strictEqual(loaded!.connector.version, manifest.version)
    }))

  it.effect("a missing package is PluginNotFound, naming the entry and the package", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("@acme/does-not-exist")]))
      assert.strictEqual(error._tag, "PluginNotFound")
      assert.include(error.message, "test.json: connectors[0]")
      assert.include(error.message, "@acme/does-not-exist")
    }))

  it.effect("a missing path is PluginNotFound too", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./nope.mjs")]))
      assert.strictEqual(error._tag, "PluginNotFound")
      assert.include(error.message, path.join(fixtures, "nope.mjs"))
    }))

  it.effect("a module without a default export is NotAConnector, listing what it exports", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./no-default-export.mjs")]))
      assert.strictEqual(error._tag, "NotAConnector")
      assert.include(error.message, "there is no default export (exports: connector)")
      const file = path.join(scratch, "default-string.mjs")
      writeFileSync(file, "export default \"acme-crm\"\n")
      const string = yield* Effect.flip(load([spec(file)]))
      assert.include(string.message, "has no connector as its default export: it is a string, not a connector object")
    }))

  it.effect("NotAConnector names every missing and every mistyped member, on one line (issue 15)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./missing-members.mjs")]))
      assert.strictEqual(error._tag, "NotAConnector")
      assert.include(error.message, "test.json: connectors[0]: \"./missing-members.mjs\" has no connector as its default export")
      assert.include(error.message, "has no connector as its default export: it is missing `accountKey` (a function), `pull` (a function)")
      assert.include(error.message, "`fields` is a string, not an array; `version` is a number, not a string")
      assert.notInclude(error.message, "\n")

      const other = yield* Effect.flip(load([spec("./not-a-connector.mjs")]))
      assert.include(other.message, "missing `id` (a string), `name` (a string), `coreVersion` (a string), `settings` (an effect/Schema)")
    }))

  it.effect("a connector written without defineConnector, or with a field the runner cannot create, is NotAConnector saying so", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./hand-made-connector.mjs")]))
      assert.strictEqual(error._tag, "NotAConnector")
      assert.include(error.message, "`fields`[0].key: Expected a string matching the pattern ^[a-z][a-z0-9_]*$, actual \"Company\"")
      assert.include(error.message, "it was not made with defineConnector (from @autoimport/core)")
    }))

  it.effect("a module that throws while loading is PluginLoadFailed with the cause", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./throws-on-load.mjs")]))
      assert.strictEqual(error._tag, "PluginLoadFailed")
      assert.include(error.message, "boom while loading the fixture")
    }))

  it.effect("two connectors with one id are DuplicateConnector, naming both entries", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./good-connector.mjs", { baseUrl: "x" }, 0), spec("./same-id-connector.mjs", {}, 1)]))
      assert.strictEqual(error._tag, "DuplicateConnector")
      assert.include(error.message, "connectors[0]")
      assert.include(error.message, "connectors[1]")
      assert.include(error.message, "fixture-good")
    }))

  it.effect("a connector built for another core major is IncompatibleConnector", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./old-core-connector.mjs")]))
      assert.strictEqual(error._tag, "IncompatibleConnector")
      assert.include(error.message, "was built for @autoimport/core 9.0.0")
      assert.include(error.message, `not compatible with this runner's core ${Version.coreVersion}`)
    }))

  it.effect("the version is the one in the package's package.json, not the one in its source (issue 15)", () =>
    Effect.gen(function*() {
      const dir = project()
      const pkg = writePackage(dir, "@acme/versioned", { version: "0.2.0", autoimport: { connector: true } }, reexport("good-connector.mjs"))
      const [byName] = yield* load([spec("@acme/versioned", { baseUrl: "x" })], dir)
      assert.strictEqual(byName!.connector.version, "0.2.0")
      assert.strictEqual(byName!.connector.id, "fixture-good")
      // By path: the package directory, or a file inside a package that says it is a connector.
      const [byDirectory] = yield* load([spec(pkg, { baseUrl: "x" })])
      assert.strictEqual(byDirectory!.connector.version, "0.2.0")
      const [byFile] = yield* load([spec(path.join(pkg, "main.js"), { baseUrl: "x" })])
      assert.strictEqual(byFile!.connector.version, "0.2.0")
    }))

  it.effect("a package whose declared core range excludes the running core is IncompatibleConnector, also when npm let it in (issue 15)", () =>
    Effect.gen(function*() {
      const dir = project()
      // As `npm install --legacy-peer-deps` leaves it: the connector runs on the runner's core, so
      // what it was built with passes; only its package.json says it is for another core.
      writePackage(dir, "@acme/next-core", { version: "3.0.0", peerDependencies: { "@autoimport/core": "^99.0.0" } }, reexport("good-connector.mjs"))
      const error = yield* Effect.flip(load([spec("@acme/next-core", { baseUrl: "x" })], dir))
      assert.strictEqual(error._tag, "IncompatibleConnector")
      assert.include(error.message, `connector "fixture-good" (@acme/next-core) declares @autoimport/core "^99.0.0" (peerDependencies of`)
      assert.include(error.message, `not compatible with this runner's core ${Version.coreVersion} (npm installs it only with --legacy-peer-deps or --force)`)

      // A plain dependency on the core is checked too, and a range that is no range is named as such.
      writePackage(dir, "@acme/dependent", { dependencies: { "@autoimport/core": "<0.0.1" } }, reexport("good-connector.mjs"))
      const dependent = yield* Effect.flip(load([spec("@acme/dependent", { baseUrl: "x" })], dir))
      assert.include(dependent.message, `declares @autoimport/core "<0.0.1" (dependencies of`)
      writePackage(dir, "@acme/garbled", { peerDependencies: { "@autoimport/core": "the latest one" } }, reexport("good-connector.mjs"))
      const garbled = yield* Effect.flip(load([spec("@acme/garbled", { baseUrl: "x" })], dir))
      assert.include(garbled.message, `"the latest one" (peerDependencies of ${path.join(dir, "node_modules", "@acme", "garbled", "package.json")}, not a semver range)`)

      // Both checks failing are said together.
      writePackage(dir, "@acme/old", { peerDependencies: { "@autoimport/core": "^9.0.0" } }, reexport("old-core-connector.mjs"))
      const both = yield* Effect.flip(load([spec("@acme/old")], dir))
      assert.include(both.message, `was built for @autoimport/core 9.0.0 and declares @autoimport/core "^9.0.0"`)
    }))

  it.effect("a package whose declared range holds the running core loads; pnpm's workspace: protocol means the workspace's core", () =>
    Effect.gen(function*() {
      const dir = project()
      writePackage(dir, "@acme/caret", { peerDependencies: { "@autoimport/core": `^${Version.coreVersion}` } }, reexport("good-connector.mjs"))
      writePackage(dir, "@acme/workspace", { peerDependencies: { "@autoimport/core": "workspace:^" } }, reexport("same-id-connector.mjs"))
      const [caret] = yield* load([spec("@acme/caret", { baseUrl: "x" })], dir)
      assert.strictEqual(caret!.connector.name, "Fixture Good")
      const [workspace] = yield* load([spec("@acme/workspace")], dir)
      assert.strictEqual(workspace!.connector.name, "Fixture Impostor")
      writePackage(dir, "@acme/workspace-range", { peerDependencies: { "@autoimport/core": "workspace:^99.0.0" } }, reexport("same-id-connector.mjs"))
      const error = yield* Effect.flip(load([spec("@acme/workspace-range")], dir))
      assert.strictEqual(error._tag, "IncompatibleConnector")
    }))

  it.effect("a package.json that is not JSON is PluginLoadFailed naming the file", () =>
    Effect.gen(function*() {
      const dir = project()
      const pkg = writePackage(dir, "@acme/broken", {}, reexport("good-connector.mjs"))
      writeFileSync(path.join(pkg, "package.json"), "{ \"name\": ")
      const error = yield* Effect.flip(load([spec(pkg)]))
      assert.strictEqual(error._tag, "PluginLoadFailed")
      assert.include(error.message, path.join(pkg, "package.json"))
      assert.notInclude(error.message, "\n")
    }))

  it.effect("settings that do not match the connector's schema name the entry and the key", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./good-connector.mjs", { baseUrl: 42 })]))
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "connectors[0].settings")
      assert.include(error.message, "baseUrl")
    }))

  it.effect("a bad value of an optional setting is said once (issue 15)", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./page-size-connector.mjs", { pageSize: 500, label: 7 })]))
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.strictEqual(
        error.message,
        "invalid configuration in test.json: connectors[0].settings (fixture-page-size): pageSize: Expected a number between 1 and 50, actual 500; label: Expected string, actual 7"
      )
    }))

  // Last: the second core stays registered in this process.
  it.effect("a connector with its own copy of the core loads with a warning naming both copies (issue 15)", () =>
    Effect.gen(function*() {
      const dir = project()
      const own = path.join(dir, "node_modules", "@acme", "own-core")
      const core = path.join(own, "node_modules", "@autoimport", "core")
      const coreSource = realpathSync(path.join(import.meta.dirname, "..", "node_modules", "@autoimport", "core"))
      mkdirSync(core, { recursive: true })
      cpSync(path.join(coreSource, "dist"), path.join(core, "dist"), { recursive: true })
      cpSync(path.join(coreSource, "package.json"), path.join(core, "package.json"))
      for (const dependency of ["effect", "@effect/platform"]) {
        mkdirSync(path.dirname(path.join(own, "node_modules", dependency)), { recursive: true })
        symlinkSync(realpathSync(path.join(coreSource, "node_modules", dependency)), path.join(own, "node_modules", dependency))
      }
      writePackage(dir, "@acme/own-core", { version: "1.2.3" }, readFileSync(path.join(fixtures, "good-connector.mjs"), "utf8"))

      const { result: [loaded], warnings } = yield* withWarnings(load([spec("@acme/own-core", { baseUrl: "x" })], dir))
      assert.strictEqual(loaded!.connector.version, "1.2.3")
      const copy = path.join(core, "dist", "Version.js")
      assert.deepStrictEqual(warnings, [
        `test.json: connectors[0] (connector "fixture-good") loads its own copy of @autoimport/core ${Version.coreVersion} from ${copy}, ` +
        `besides the runner's ${Version.coreVersion} from ${Version.self.file}; ` +
        "install the connector next to the runner with @autoimport/core as a peer dependency, so that there is one core"
      ])
    }))
})
