/**
 * The sync engine wired the way the runner wires it (undici, one rate limiter, a connector
 * registry) over a given store: the integration, fault and benchmark suites build on it.
 */
import { driveClock, layerPull } from "@autoimport/connector-kit/testing"
import { type AnyConnector, Connectors } from "@autoimport/core/Connector"
import type { AccountId, ImportId, ListId, SyncRun } from "@autoimport/core/Domain"
import { Store, type StoreShape } from "@autoimport/core/Store"
import { SyncEngine } from "@autoimport/core/SyncEngine"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"

export interface EngineHarness {
  readonly store: StoreShape
  readonly engine: SyncEngine
  /** Creates an import (and its account and list) the way `autoimport imports create` does. */
  readonly createImport: (options: {
    readonly accountId: AccountId
    readonly connector: AnyConnector
    readonly name: string
    readonly config: unknown
    readonly list?: string
  }) => Effect.Effect<{ readonly importId: ImportId; readonly listId: ListId }>
  /** One sync under a driven test clock. */
  readonly sync: (importId: ImportId, batchCap?: number) => Effect.Effect<SyncRun>
  /** Syncs until a run is not cut by the batch cap (at most `maxRuns`). */
  readonly syncUntilDone: (importId: ImportId, batchCap?: number, maxRuns?: number) => Effect.Effect<ReadonlyArray<SyncRun>>
}

export const makeHarness = (connectors: ReadonlyArray<{ readonly connector: AnyConnector; readonly settings: unknown }>, store?: StoreShape) =>
  Effect.gen(function*() {
    const theStore = store ?? (yield* Store)
    // Built in the caller's scope: the HTTP client (undici's dispatcher) lives as long as the test.
    const engine = yield* Layer.build(
      SyncEngine.Default.pipe(
        Layer.provide(Layer.succeed(Connectors, Connectors.fromList(connectors))),
        Layer.provide(layerPull),
        Layer.provide(Layer.succeed(Store, theStore))
      )
    ).pipe(Effect.map(Context.get(SyncEngine)))
    const harness: EngineHarness = {
      store: theStore,
      engine,
      createImport: ({ accountId, config, connector, list, name }) =>
        Effect.gen(function*() {
          yield* theStore.ensureAccount(accountId)
          const target = yield* theStore.ensureList(accountId, list ?? connector.name)
          const now = new Date(yield* Clock.currentTimeMillis)
          const created = yield* theStore.createImport(
            { accountId, connectorId: connector.id, name, config, listIds: [target.id] },
            now
          )
          return { importId: created.id, listId: target.id }
        }),
      sync: (importId, batchCap = 500) =>
        driveClock(engine.sync(importId, { batchCap, owner: "test" })).pipe(Effect.map((report) => report.run), Effect.orDie),
      syncUntilDone: (importId, batchCap = 500, maxRuns = 100) =>
        Effect.gen(function*() {
          const runs: Array<SyncRun> = []
          while (runs.length < maxRuns) {
            const run = yield* harness.sync(importId, batchCap)
            runs.push(run)
            if (run.outcome !== "batch-cap") break
          }
          return runs
        })
    }
    return harness
  })
