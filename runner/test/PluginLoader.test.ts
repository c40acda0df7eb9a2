import { Version } from "@autoimport/core"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
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

describe("PluginLoader", () => {
  it.effect("loads a connector by path (relative to the config file) and decodes its settings", () =>
    Effect.gen(function*() {
      const [loaded] = yield* load([spec("./good-connector.mjs", { baseUrl: "http://127.0.0.1:1" })])
      assert.strictEqual(loaded!.connector.id, "fixture-good")
      assert.deepStrictEqual(loaded!.settings, { baseUrl: "http://127.0.0.1:1" })
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

  it.effect("a module without a connector export is NotAConnector, listing what it exports", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./not-a-connector.mjs")]))
      assert.strictEqual(error._tag, "NotAConnector")
      assert.include(error.message, "helper")
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
      assert.include(error.message, "9.0.0")
      assert.include(error.message, Version.coreVersion)
    }))

  it.effect("settings that do not match the connector's schema name the entry and the key", () =>
    Effect.gen(function*() {
      const error = yield* Effect.flip(load([spec("./good-connector.mjs", { baseUrl: 42 })]))
      assert.strictEqual(error._tag, "InvalidConfig")
      assert.include(error.message, "connectors[0].settings")
      assert.include(error.message, "baseUrl")
    }))
})
