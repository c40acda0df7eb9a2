/**
 * A connector as a third party publishes it: scaffolded with `create-autoimport-connector`,
 * packed, installed from tarballs (with the core and the kit, also packed) into a directory
 * outside the workspace, and loaded by the built `autoimport` runner by package name. A copy
 * built for another core line is refused.
 */
import { Email } from "@autoimport/core"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import {
  autoimport,
  autoimportJson,
  buildAndPackConnector,
  installTarballs,
  packWorkspacePackage,
  repack,
  scaffold,
  serveFromDirectory
} from "./support/packed.js"

const id = "acme-crm"
const packageName = `autoimport-connector-${id}`
const minutes = 60_000

interface FakeInfo {
  readonly url: string
  readonly apiKey: string
  readonly emails: ReadonlyArray<string | null>
}

/** Serves the installed connector's `/fake` with the installed kit's `serveFake`. */
const serveScript = (size: number) => `
import * as Effect from "effect/Effect"
import { serveFake } from "@autoimport/connector-kit/testing"
import { makeFake } from "${packageName}/fake"

const fake = makeFake({ seed: 42, size: ${size} })
Effect.runFork(Effect.scoped(Effect.gen(function*() {
  const { url } = yield* serveFake(fake.handlers)
  console.log(JSON.stringify({ url, apiKey: fake.apiKey, emails: fake.contacts().map((c) => c.email) }))
  yield* Effect.never
})))
`

const writeConfig = (dir: string, settings: unknown) =>
  fs.writeFileSync(
    path.join(dir, "autoimport.config.json"),
    JSON.stringify({ connectors: [{ package: packageName, settings }], batchCap: 20 }, null, 2)
  )

describe("a connector package installed from tarballs", () => {
  let work: string
  let tarballs: { readonly core: string; readonly kit: string; readonly connector: string }

  beforeAll(async () => {
    work = fs.mkdtempSync(path.join(os.tmpdir(), "autoimport-packed-"))
    const started = Date.now()
    const source = path.join(work, "source", packageName)
    const [core, kit, connector] = await Promise.all([
      packWorkspacePackage("packages/core", work),
      packWorkspacePackage("packages/connector-kit", work),
      scaffold(id, source, "Acme CRM").then(() => buildAndPackConnector(source, work))
    ])
    tarballs = { core, kit, connector }
    console.log(`packed core, connector-kit and ${packageName} in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  }, 5 * minutes)

  afterAll(() => {
    if (work !== undefined) fs.rmSync(work, { recursive: true, force: true })
  })

  it("is loaded by package name from the working directory and syncs every contact from its fake", async () => {
    const operator = path.join(work, "operator")
    const millis = await installTarballs(operator, [tarballs.core, tarballs.kit, tarballs.connector])
    console.log(`npm install of the three tarballs took ${(millis / 1000).toFixed(1)} s`)
    assert.isFalse(
      fs.existsSync(path.join(operator, "node_modules", "@autoimport", "store-sql")),
      "the kit's test-only peers (store-sql and its native SQLite) must not be installed"
    )

    const fake = await serveFromDirectory<FakeInfo>(operator, serveScript(65))
    try {
      writeConfig(operator, { baseUrl: fake.info.url, pageSize: 7 })
      const connectors = await autoimportJson<ReadonlyArray<{ id: string; name: string; fields: ReadonlyArray<{ tag: string }> }>>(operator, ["connectors"])
      assert.deepStrictEqual(connectors.map((c) => [c.id, c.name]), [[id, "Acme CRM"]])
      assert.deepStrictEqual(connectors[0]!.fields.map((f) => f.tag), ["ACME_CRM_COMPANY", "ACME_CRM_JOB_TITLE"])

      const created = await autoimportJson<{ id: string }>(operator, [
        "imports",
        "create",
        "--name",
        "Acme CRM customers",
        "--config",
        JSON.stringify({ apiKey: fake.info.apiKey }),
        id
      ])
      const runs = await autoimportJson<ReadonlyArray<{ outcome: string; added: number }>>(operator, ["sync", created.id, "--until-done"])
      assert.isAbove(runs.length, 1, "a batch cap of 20 needs several batches for 65 contacts")
      assert.strictEqual(runs.at(-1)!.outcome, "caught-up")

      const expected = fake.info.emails.flatMap((email) => {
        const normalized = email === null ? undefined : Email.normalize(email)
        return normalized !== undefined && Either.isRight(normalized) ? [normalized.right as string] : []
      }).sort()
      assert.isAbove(fake.info.emails.length, expected.length, "the fake holds contacts without a valid email too")
      const listed = await autoimportJson<{ contacts: ReadonlyArray<{ email: string; fields: Record<string, string> }> }>(operator, [
        "contacts",
        "--limit",
        "1000"
      ])
      assert.deepStrictEqual(listed.contacts.map((c) => c.email).sort(), expected)
      for (const contact of listed.contacts) assert.property(contact.fields, "ACME_CRM_COMPANY")
    } finally {
      await fake.stop()
    }
  }, 10 * minutes)

  it("built for an incompatible core, is refused at start with an error naming both versions (exit code 2)", async () => {
    // The same packages, as a future core 0.2 line would publish them.
    const core = await repack(tarballs.core, work, (manifest, dir) => {
      manifest.version = "0.2.0"
      const version = path.join(dir, "dist", "Version.js")
      fs.writeFileSync(version, fs.readFileSync(version, "utf8").replace(`coreVersion = "0.1.0"`, `coreVersion = "0.2.0"`))
    })
    const kit = await repack(tarballs.kit, work, (manifest) => {
      manifest.version = "0.2.0"
      manifest.dependencies["@autoimport/core"] = "0.2.0"
    })
    const connector = await repack(tarballs.connector, work, (manifest) => {
      manifest.version = "0.2.0"
      manifest.peerDependencies["@autoimport/core"] = "^0.2.0"
      manifest.dependencies["@autoimport/connector-kit"] = "^0.2.0"
    })
    const operator = path.join(work, "operator-next")
    const millis = await installTarballs(operator, [core, kit, connector])
    console.log(`npm install of the core 0.2 tarballs took ${(millis / 1000).toFixed(1)} s`)
    writeConfig(operator, { baseUrl: "http://127.0.0.1:9" })

    const result = await autoimport(operator, ["connectors"])
    assert.strictEqual(result.status, 2, result.stderr)
    assert.include(result.stderr, `connector "${id}" (${packageName}) was built for @autoimport/core 0.2.0`)
    assert.include(result.stderr, "not compatible with this runner's core 0.1.0")
    assert.include(result.stderr, "autoimport.config.json: connectors[0]")
    assert.isFalse(fs.existsSync(path.join(operator, ".autoimport")), "nothing is created before the configuration is valid")
  }, 10 * minutes)
})
