/**
 * The operator settings that bound what a service can make a sync wait for: read from the file
 * and the environment with their ranges checked, and handed by the runner's layer to every
 * connector's pull (the kit's `Http.Limits`).
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as HttpClient from "@effect/platform/HttpClient"
import { Http } from "@autoimport/connector-kit"
import { Connector, Domain, Store, SyncEngine } from "@autoimport/core"
import { assert, describe, layer } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"
import { afterAll } from "vitest"
import * as Config from "../src/Config.js"
import * as Setup from "../src/Setup.js"

const root = mkdtempSync(path.join(tmpdir(), "autoimport-requests-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))

let n = 0
const project = (file?: unknown) => {
  const dir = path.join(root, `p${n++}`)
  mkdirSync(dir)
  if (file !== undefined) writeFileSync(path.join(dir, "autoimport.config.json"), JSON.stringify(file))
  return dir
}

const load = (cwd: string, env: Record<string, string> = {}) => Config.load({ cwd, env, configPath: Option.none() })

/** A connector whose pull reports the limits its HTTP clients would get. */
const seen: Array<Http.LimitsShape> = []
const probe = Connector.defineConnector({
  id: "probe",
  name: "Probe",
  version: "1.0.0",
  settings: Schema.Struct({}),
  config: Schema.Struct({}),
  cursor: Schema.Number,
  fields: [],
  deletions: "never",
  accountKey: () => "probe",
  pull: () => Stream.fromEffect(Effect.map(Http.Limits, (limits) => seen.push(limits))).pipe(Stream.drain)
})

describe("request limits", () => {
  layer(NodeContext.layer)((it) => {
    it.effect("defaults: 30 s idle, 2 min deadline, 1000 requests per sync", () =>
      Effect.gen(function*() {
        const { requests } = yield* load(project())
        assert.deepStrictEqual(
          [Duration.toSeconds(requests.idleTimeout), Duration.toMinutes(requests.deadline), requests.perSync],
          [30, 2, 1000]
        )
      }))

    it.effect("the file's requests block, overridden by the variables", () =>
      Effect.gen(function*() {
        const cwd = project({ requests: { idleTimeout: "10s", deadline: "5m", perSync: 200 } })
        const fromFile = (yield* load(cwd)).requests
        assert.deepStrictEqual([Duration.toSeconds(fromFile.idleTimeout), Duration.toMinutes(fromFile.deadline), fromFile.perSync], [10, 5, 200])
        const overridden = (yield* load(cwd, {
          AUTOIMPORT_REQUEST_IDLE_TIMEOUT: "500ms",
          AUTOIMPORT_REQUEST_DEADLINE: "1h",
          AUTOIMPORT_REQUESTS_PER_SYNC: "50"
        })).requests
        assert.deepStrictEqual([Duration.toMillis(overridden.idleTimeout), Duration.toHours(overridden.deadline), overridden.perSync], [500, 1, 50])
      }))

    it.effect("values out of range name the key and the range", () =>
      Effect.gen(function*() {
        const fileError = yield* Effect.flip(load(project({ requests: { idleTimeout: "10ms", deadline: "2 days", perSync: 0 } })))
        assert.include(fileError.message, "requests.idleTimeout: expected between 100ms and 1h, got 10ms")
        assert.include(fileError.message, "requests.deadline: expected between 100ms and 1d, got 2d")
        assert.include(fileError.message, "requests.perSync: expected a positive integer")
        const envError = yield* Effect.flip(load(project(), { AUTOIMPORT_REQUESTS_PER_SYNC: "2000000", AUTOIMPORT_REQUEST_IDLE_TIMEOUT: "soon" }))
        assert.strictEqual(envError.source, "the environment")
        assert.include(envError.message, "AUTOIMPORT_REQUESTS_PER_SYNC: expected at most 1,000,000")
        assert.include(envError.message, "AUTOIMPORT_REQUEST_IDLE_TIMEOUT: expected a duration")
      }))

    it.scoped("the runner hands the configured limits to every connector's pull", () =>
      Effect.gen(function*() {
        const cwd = project({ requests: { idleTimeout: "3s", deadline: "7s", perSync: 42 } })
        const config = yield* load(cwd)
        const context = yield* Layer.build(
          Setup.layer({ config, connectors: Connector.Connectors.fromList([{ connector: probe, settings: {} }]), cwd }).pipe(
            Layer.provide(Layer.succeed(HttpClient.HttpClient, HttpClient.make(() => Effect.dieMessage("no requests here"))))
          )
        )
        const store = Context.get(context, Store.Store)
        const engine = Context.get(context, SyncEngine.SyncEngine)
        const list = yield* store.ensureList(Setup.defaultAccountId, "Probe")
        const imp = yield* store.createImport(
          { accountId: Setup.defaultAccountId, connectorId: probe.id as Domain.ConnectorId, name: "probe", config: {}, listIds: [list.id] },
          new Date()
        )
        seen.length = 0
        const report = yield* engine.sync(imp.id)
        assert.strictEqual(report.run.outcome, "caught-up")
        assert.deepStrictEqual(
          seen.map((l) => [Duration.toSeconds(l.idleTimeout), Duration.toSeconds(l.deadline), l.requestsPerSync]),
          [[3, 7, 42]]
        )
      }))
  })
})
