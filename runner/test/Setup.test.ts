/**
 * Opening the store with a key that does not decrypt the stored imports: the runner fails with
 * the very `CredentialsKeyMismatch` the store dies with (one class for the tag), naming the import.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import { Domain, Errors, Store } from "@autoimport/core"
import { Credentials } from "@autoimport/store-sql"
import { assert, describe, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import * as Config from "../src/Config.js"
import * as Setup from "../src/Setup.js"

const root = mkdtempSync(path.join(tmpdir(), "autoimport-setup-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const keyA = Buffer.alloc(32, 1).toString("base64")
const keyB = Buffer.alloc(32, 2).toString("base64")
const load = (key: string) => Config.load({ cwd: root, env: { AUTOIMPORT_CREDENTIALS_KEY: key }, configPath: Option.none() })

describe("Setup.layerStore", () => {
  layer(NodeContext.layer)((it) => {
    it.effect("another key fails with the store's CredentialsKeyMismatch naming the import", () =>
      Effect.gen(function*() {
        const created = yield* Effect.scoped(Effect.gen(function*() {
          const store = Context.get(yield* Layer.build(Setup.layerStore(yield* load(keyA))), Store.Store)
          const list = yield* store.ensureList(Setup.defaultAccountId, "L")
          return yield* store.createImport(
            { accountId: Setup.defaultAccountId, connectorId: "x" as Domain.ConnectorId, name: "i", config: { token: "t" }, listIds: [list.id] },
            new Date()
          )
        }))
        const error = yield* Effect.flip(Effect.scoped(Layer.build(Setup.layerStore(yield* load(keyB)))))
        // The store's export and core's are one class: no second class with the same tag.
        assert.strictEqual(Credentials.CredentialsKeyMismatch, Errors.CredentialsKeyMismatch)
        assert.instanceOf(error, Errors.CredentialsKeyMismatch)
        assert.strictEqual((error as Errors.CredentialsKeyMismatch).importId, created.id)
      }))
  })
})
