/**
 * The embedded scheduler (docs/design.md §6): polls the store for due imports and syncs them.
 *
 * - An import is due when it never ran (just created) or its stored next-run time has come, so
 *   next-run times survive restarts and imports created by another process are picked up at
 *   the next poll.
 * - One sync per import at a time: in this process by the set of imports in flight, across
 *   processes by the engine's lease in the database.
 * - Imports of the same external account (`connector.accountKey`) are serialized here; their
 *   requests share the one process-wide `RateLimiter`.
 * - At most `concurrency` syncs run at once. The account lock is taken before a slot, so
 *   imports waiting for their account never hold a slot.
 * - After a run the next one is `interval` plus a random jitter later, so imports set up
 *   together drift apart. A run that reached the batch cap continues at that next slot too
 *   (as the product has it: large sets take several runs, every 30 minutes); `sync
 *   --until-done` is the way to catch up at once. A rate-limited run waits at least as long
 *   as the service asked.
 */
import { Connector, Domain, type Errors, Store, SyncEngine } from "@autoimport/core"
import * as Arr from "effect/Array"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as FiberSet from "effect/FiberSet"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Queue from "effect/Queue"
import * as Random from "effect/Random"
import * as Schema from "effect/Schema"
import * as Metrics from "./Metrics.js"

export interface SchedulerOptions {
  readonly interval: Duration.DurationInput
  /** The most a next run is pushed back at random. */
  readonly jitter: Duration.DurationInput
  /** How often the store is asked for due imports. */
  readonly pollInterval: Duration.DurationInput
  readonly batchCap: number
  readonly concurrency: number
  /** This process, as recorded in the run history and on leases. */
  readonly owner: string
}

export interface SchedulerShape {
  /** Polls for due imports and syncs them until interrupted; interruption stops the syncs in flight after their current page. */
  readonly run: Effect.Effect<never>
  /** Syncs every import due now once and waits for them (`run --once`). */
  readonly runDue: Effect.Effect<ReadonlyArray<SyncEngine.SyncReport>>
  /** Asks the running loop to look for due imports now (an import was created in this process). */
  readonly wake: Effect.Effect<void>
  /** One sync of one import now, outside its slot, under the same locks and bookkeeping. */
  readonly syncNow: (
    id: Domain.ImportId
  ) => Effect.Effect<SyncEngine.SyncReport, Errors.ImportNotFound | Errors.SyncInProgress>
}

export class Scheduler extends Context.Tag("@autoimport/runner/Scheduler")<Scheduler, SchedulerShape>() {}

/** When an import runs next, given how its last run ended. */
export const nextRunAt = (
  report: SyncEngine.SyncReport,
  options: { readonly interval: Duration.DurationInput },
  jitterMillis: number
): Date => {
  const end = (report.run.finishedAt ?? report.run.startedAt).getTime()
  const regular = end + Duration.toMillis(options.interval) + jitterMillis
  return new Date(Math.max(regular, end + (report.retryAfterMillis ?? 0)))
}

export const make = (
  options: SchedulerOptions
): Effect.Effect<SchedulerShape, never, Store.Store | SyncEngine.SyncEngine | Connector.Connectors> =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const engine = yield* SyncEngine.SyncEngine
    const connectors = yield* Connector.Connectors
    const slots = yield* Effect.makeSemaphore(options.concurrency)
    const accountLocks = new Map<string, Effect.Semaphore>()
    const inFlight = new Set<Domain.ImportId>()
    const wakeups = yield* Queue.sliding<void>(1)
    const jitterMillis = Duration.toMillis(options.jitter)

    const lockFor = (key: string) => {
      let lock = accountLocks.get(key)
      if (lock === undefined) {
        lock = Effect.unsafeMakeSemaphore(1)
        accountLocks.set(key, lock)
      }
      return lock
    }

    // An import whose config or connector is broken still runs (alone), so its run records why.
    const accountKey = (imp: Domain.Import) =>
      connectors.get(imp.connectorId).pipe(
        Effect.flatMap(({ connector, settings }: Connector.LoadedConnector) =>
          Schema.decodeUnknown(connector.config)(imp.config).pipe(
            Effect.flatMap((config) => Effect.try(() => `account:${connector.accountKey(config, settings)}`))
          )
        ),
        Effect.orElseSucceed(() => `import:${imp.id}`)
      )

    const syncNow = (id: Domain.ImportId) =>
      Effect.gen(function*() {
        const imp = yield* store.getImport(id)
        const key = yield* accountKey(imp)
        const report = yield* lockFor(key).withPermits(1)(
          slots.withPermits(1)(engine.sync(id, { batchCap: options.batchCap, owner: options.owner }))
        )
        const jitter = jitterMillis > 0 ? yield* Random.nextIntBetween(0, jitterMillis + 1) : 0
        yield* store.setNextRunAt(id, nextRunAt(report, options, jitter))
        const skips = yield* store.listSkips(report.run.id)
        const byReason = new Map<string, number>()
        for (const skip of skips) byReason.set(skip.reason, (byReason.get(skip.reason) ?? 0) + 1)
        yield* Metrics.recordRun(imp.connectorId, report.run, byReason)
        yield* Effect.logInfo("sync finished").pipe(
          Effect.annotateLogs({
            importId: id,
            connector: imp.connectorId,
            outcome: report.run.outcome,
            ...report.run.counts,
            ...(report.run.stopTag === null ? {} : { stopTag: report.run.stopTag })
          })
        )
        return report
      })

    /** A scheduled sync: never fails, so one import's trouble stays its own. */
    const scheduled = (id: Domain.ImportId): Effect.Effect<Option.Option<SyncEngine.SyncReport>> =>
      syncNow(id).pipe(
        Effect.asSome,
        Effect.catchTags({
          // Deleted after it was listed: nothing to do.
          ImportNotFound: () => Effect.succeedNone,
          // Another process holds the lease; it sets the next run when it finishes.
          SyncInProgress: (e) => Effect.as(Effect.logInfo(e.message), Option.none())
        }),
        Effect.catchAllDefect((defect) => Effect.as(Effect.logError("scheduled sync failed", defect), Option.none())),
        Effect.annotateLogs({ importId: id }),
        Effect.ensuring(Effect.sync(() => inFlight.delete(id)))
      )

    /** Due imports not in flight yet, marked as in flight. */
    const claimDue = Effect.gen(function*() {
      const now = new Date(yield* Clock.currentTimeMillis)
      const due = yield* store.listDueImports(now)
      const claimed = due.filter((id) => !inFlight.has(id))
      for (const id of claimed) inFlight.add(id)
      return claimed
    })

    const runDue = Effect.flatMap(claimDue, (ids) =>
      Effect.forEach(ids, scheduled, { concurrency: "unbounded" }).pipe(
        Effect.map(Arr.getSomes)
      ))

    const run = Effect.scoped(
      Effect.gen(function*() {
        const fibers = yield* FiberSet.make()
        yield* Effect.logInfo("scheduler started").pipe(
          Effect.annotateLogs({
            interval: Duration.format(options.interval),
            concurrency: options.concurrency,
            batchCap: options.batchCap
          })
        )
        return yield* Effect.forever(
          Effect.gen(function*() {
            // A poll that fails (the database gone for a moment) is logged and tried again at
            // the next poll: the runner keeps running, as it does for a failing sync.
            const due = yield* claimDue.pipe(
              Effect.catchAllCause((cause) =>
                Effect.as(Effect.logError("could not list due imports; trying again at the next poll", cause), [])
              )
            )
            for (const id of due) yield* FiberSet.run(fibers, scheduled(id))
            yield* Effect.raceFirst(Effect.sleep(options.pollInterval), Queue.take(wakeups))
          })
        )
      })
    )

    return { run, runDue, syncNow, wake: Queue.offer(wakeups, undefined).pipe(Effect.asVoid) }
  })

export const layer = (
  options: SchedulerOptions
): Layer.Layer<Scheduler, never, Store.Store | SyncEngine.SyncEngine | Connector.Connectors> => Layer.effect(Scheduler, make(options))

/** How many passes after the first `caught-up` may still find changes before `syncUntilDone` gives up. */
export const maxConfirmingPasses = 3

export interface UntilDone {
  readonly reports: ReadonlyArray<SyncEngine.SyncReport>
  /**
   * False when the last pass still found changes: the source kept changing while it was read,
   * so more may be waiting for the next sync.
   */
  readonly settled: boolean
}

/** A pass that wrote nothing: whatever the source had was already applied. */
const quiet = (c: Domain.RunCounts) => c.added + c.updated + c.deleted + c.skipped + c.deferred === 0

/**
 * Batches back to back until the import has caught up, or a run ends for another reason (a
 * rate limit, the contact limit, an error): `sync --until-done` and the demo.
 *
 * `caught-up` only means the source had nothing more *for the position the run started from*:
 * a change made while the run was paging (a full listing takes long) waits behind the new
 * position, e.g. Google's sync token dates from the listing's first page. So a pass that wrote
 * something is followed by another one, until a pass writes nothing; the source may keep
 * changing, so at most {@link maxConfirmingPasses} of them, and `settled` says whether the last
 * one was quiet.
 */
export const syncUntilDone = (
  scheduler: SchedulerShape,
  id: Domain.ImportId,
  onBatch: (report: SyncEngine.SyncReport, batch: number, total: Domain.RunCounts) => Effect.Effect<void>
): Effect.Effect<UntilDone, Errors.ImportNotFound | Errors.SyncInProgress> =>
  Effect.gen(function*() {
    const reports: Array<SyncEngine.SyncReport> = []
    let total = Domain.RunCounts.zero
    let confirming = 0
    while (true) {
      const report = yield* scheduler.syncNow(id)
      reports.push(report)
      total = total.plus(report.run.counts)
      yield* onBatch(report, reports.length, total)
      if (report.run.outcome === "batch-cap") continue
      if (report.run.outcome !== "caught-up" || quiet(report.run.counts)) return { reports, settled: true }
      if (confirming === maxConfirmingPasses) return { reports, settled: false }
      confirming++
    }
  })
