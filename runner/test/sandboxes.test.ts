/**
 * How `autoimport demo` finds its sandboxes: through each connector's `/fake` entry point
 * (the `sandbox` export, packages/connector-kit/src/testing/Sandbox.ts), not a list in the runner.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { pathToFileURL } from "node:url"
import { afterAll } from "vitest"
import { builtinConnectors, type ConnectorSpec } from "../src/Config.js"
import { findSandboxes } from "../src/Demo.js"

const scratch = mkdtempSync(path.join(tmpdir(), "autoimport-sandboxes-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const spec = (specifier: string): ConnectorSpec => ({ specifier, settings: undefined, where: "test" })

/** A connector package in `<project>/node_modules/<name>`, with `./fake` exporting `fake` (source) if given. */
const writePackage = (project: string, name: string, fake?: string) => {
  const dir = path.join(project, "node_modules", name)
  mkdirSync(dir, { recursive: true })
  const fixture = JSON.stringify(pathToFileURL(path.join(import.meta.dirname, "fixtures", "same-id-connector.mjs")).href)
  writeFileSync(path.join(dir, "main.js"), `export { default } from ${fixture}\n`)
  const exports: Record<string, unknown> = { ".": { import: "./main.js" } }
  if (fake !== undefined) {
    writeFileSync(path.join(dir, "fake.js"), fake)
    exports["./fake"] = { import: "./fake.js" }
  }
  writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", type: "module", exports }))
}

describe("the demo's sandboxes", () => {
  it.scoped("each built-in connector's /fake entry point provides one that serves on loopback", () =>
    Effect.gen(function*() {
      const found = yield* findSandboxes(builtinConnectors.map(spec), scratch)
      assert.deepStrictEqual(found.map((f) => f.connector.id), ["google-contacts", "hubspot", "shopify"])
      for (const f of found) {
        const running = yield* f.sandbox()
        assert.match(running.url, /^http:\/\/127\.0\.0\.1:\d+/)
        assert.isTrue(Object.values(running.settings).some((v) => typeof v === "string" && v.startsWith(running.url)), `${f.connector.id}'s settings point at the fake`)
        assert.isNotNull(running.config())
        assert.deepStrictEqual(running.change(), { added: 2, edited: 1 })
      }
    }))

  it.effect("a connector without a /fake entry, or whose /fake has no sandbox, is left out", () =>
    Effect.gen(function*() {
      const project = mkdtempSync(path.join(scratch, "project-"))
      writePackage(project, "@acme/no-fake")
      writePackage(project, "@acme/other-fake", "export const somethingElse = 1\n")
      const found = yield* findSandboxes([spec("@acme/no-fake"), spec("@autoimport/connector-hubspot")], project)
      assert.deepStrictEqual(found.map((f) => f.connector.id), ["hubspot"])
      const other = yield* findSandboxes([spec("@acme/other-fake")], project)
      assert.deepStrictEqual(other, [])
    }))
})
