/**
 * Many imports, each of its own fake Google account into its own account of ours: one round of
 * initial syncs, then one round of incremental syncs that find nothing new. Driven either by the
 * runner's embedded scheduler (`Scheduler.runDue`, runner defaults: concurrency 4, batch cap
 * 500) or by the engine directly, the same syncs four at a time: the scheduler starts one fiber
 * per due import, all waiting for its 4 slots, and at thousands of imports those waiters cost
 * more than the syncs (see docs/performance.md), so the engine-driven figures show what the
 * syncs themselves cost.
 * Reported: CPU per sync of each round, and memory per import (heap and resident set after the
 * two rounds, less before the imports existed, after a full GC; the child runs with --expose-gc).
 */
import googleContacts from "@autoimport/connector-google-contacts"
import { Connectors } from "@autoimport/core/Connector"
import { Store } from "@autoimport/core/Store"
import { SyncEngine } from "@autoimport/core/SyncEngine"
import { Scheduler } from "@autoimport/runner"
import * as Effect from "effect/Effect"
import { engineFor, googleSettings, importOf, mib, register, timed } from "./Bench.js"
import type { FakeAccount } from "./FakeServer.js"

const gc = () => (globalThis as { gc?: () => void }).gc?.()

const memory = Effect.sync(() => {
  gc()
  const usage = process.memoryUsage()
  return { heap: usage.heapUsed, rss: usage.rss }
})

export type Driver = "scheduler" | "engine"

export const manyImports = (url: string, count: number, contactsEach: number, driver: Driver) =>
  Effect.scoped(Effect.gen(function*() {
    const accounts: Array<FakeAccount> = Array.from({ length: count }, (_, i) => ({ seed: 10_000 + i, size: contactsEach }))
    yield* register(url, [{ seed: 9_999, size: contactsEach }, ...accounts])
    const h = yield* engineFor(url)
    const scheduler = yield* Scheduler.make({
      interval: 0, // every import is due again right after its run: the second round
      jitter: 0,
      pollInterval: "1 second",
      batchCap: 500,
      concurrency: 4,
      owner: "bench"
    }).pipe(
      Effect.provideService(Store, h.store),
      Effect.provideService(SyncEngine, h.engine),
      Effect.provideService(Connectors, Connectors.fromList([{ connector: googleContacts, settings: googleSettings(url) }]))
    )
    // One import synced and deleted first, so the baseline holds what the first sync of any
    // import loads (code, connection pools) and the difference is what the imports hold.
    const warmUp = yield* importOf(h, "warm-up", { seed: 9_999, size: contactsEach })
    yield* scheduler.syncNow(warmUp).pipe(Effect.orDie)
    yield* h.store.deleteImport(warmUp).pipe(Effect.orDie)
    const before = yield* memory
    const ids = yield* Effect.forEach(accounts, (account, i) => importOf(h, `tenant-${i}`, account))
    const syncEach = driver === "scheduler"
      ? scheduler.runDue
      : Effect.forEach(ids, (id) => Effect.orDie(h.engine.sync(id, { batchCap: 500, owner: "bench" })), { concurrency: 4 })

    const round = (expected: "initial" | "incremental") =>
      Effect.flatMap(timed(syncEach), ([wallMillis, result, cpuMillis]) => {
        const caughtUp = result.filter((r) => r.run.outcome === "caught-up").length
        return caughtUp === count
          ? Effect.succeed({
            syncs: result.length,
            contacts: result.reduce((n, r) => n + r.run.counts.fetched, 0),
            cpuMillisPerSync: Math.round((cpuMillis / count) * 100) / 100,
            wallSeconds: Math.round(wallMillis) / 1000
          })
          : Effect.dieMessage(`${expected} round: ${caughtUp} of ${count} syncs caught up`)
      })
    const initial = yield* round("initial")
    const incremental = yield* round("incremental")
    const after = yield* memory
    return {
      driver,
      imports: count,
      contactsEach,
      initial,
      incremental,
      heapPerImportKib: Math.round((after.heap - before.heap) / count / 102.4) / 10,
      rssPerImportKib: Math.round((after.rss - before.rss) / count / 102.4) / 10,
      heapAfterMib: mib(after.heap),
      rssAfterMib: mib(after.rss)
    }
  }))
