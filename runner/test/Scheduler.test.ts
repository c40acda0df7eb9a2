/**
 * The embedded scheduler under TestClock, on a real (SQLite) store, with a small in-test
 * connector whose pages take simulated time.
 */
import { Connector, defineConnector, Domain, Errors, RateLimiter, Store, SyncEngine } from "@autoimport/core"
import { layerSqliteTest } from "@autoimport/store-sql/testing"
import * as HttpClient from "@effect/platform/HttpClient"
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import * as Scheduler from "../src/Scheduler.js"
import { defaultAccountId } from "../src/Setup.js"

/** The fake service: records per external account, and what the scheduler made it do. */
class Service {
  readonly records = new Map<string, Array<Domain.SourceContact>>()
  readonly active = new Map<string, number>()
  readonly maxActive = new Map<string, number>()
  activeAll = 0
  maxAll = 0
  pageDelay: Duration.DurationInput = 0
  readonly failures: Array<Errors.RateLimited> = []
  /** Changes the source makes while a pull is paging (one per pull): they land behind its cursor. */
  readonly whilePaging: Array<() => void> = []

  add(account: string, count: number) {
    const list = this.records.get(account) ?? []
    for (let i = 0; i < count; i++) {
      const n = list.length
      list.push(new Domain.SourceContact({ externalId: Domain.ExternalId.make(`${account}-${n}`), email: `${account}.${n}@example.com`, fields: {} }))
    }
    this.records.set(account, list)
  }

  enter(account: string) {
    const now = (this.active.get(account) ?? 0) + 1
    this.active.set(account, now)
    this.maxActive.set(account, Math.max(now, this.maxActive.get(account) ?? 0))
    this.maxAll = Math.max(this.maxAll, ++this.activeAll)
    this.whilePaging.shift()?.()
  }

  leave(account: string) {
    this.active.set(account, this.active.get(account)! - 1)
    this.activeAll--
  }
}

const pageSize = 100

const makeConnector = (service: Service) =>
  defineConnector({
    id: "test-service",
    name: "Test Service",
    version: "1.0.0",
    settings: Schema.Struct({}),
    config: Schema.Struct({ account: Schema.String }),
    cursor: Schema.Number,
    fields: [],
    deletions: "not tracked",
    accountKey: (config) => `test:${config.account}`,
    pull: ({ budget, config, cursor }) => {
      const failure = service.failures.shift()
      if (failure !== undefined) return Stream.fail(failure)
      const all = service.records.get(config.account) ?? []
      const from = Option.getOrElse(cursor, () => 0)
      const end = Math.min(all.length, from + budget)
      const pages: Array<Connector.Page<number>> = []
      for (let at = from; at < end; at += pageSize) {
        const to = Math.min(end, at + pageSize)
        pages.push({ records: all.slice(at, to), cursor: to })
      }
      return Stream.acquireRelease(Effect.sync(() => service.enter(config.account)), () => Effect.sync(() => service.leave(config.account))).pipe(
        Stream.flatMap(() => Stream.fromIterable(pages)),
        Stream.mapEffect((page) => Effect.as(Effect.sleep(service.pageDelay), page))
      )
    }
  })

const options: Scheduler.SchedulerOptions = {
  interval: "30 minutes",
  jitter: 0,
  pollInterval: "1 minute",
  batchCap: 250,
  concurrency: 4,
  owner: "test-runner"
}

/** A fresh database and engine per test, with the in-test connector loaded. */
const withServices = (service: Service) =>
  Effect.provide(
    SyncEngine.SyncEngine.Default.pipe(
      Layer.provideMerge(layerSqliteTest),
      Layer.provideMerge(Layer.succeed(Connector.Connectors, Connector.Connectors.fromList([{ connector: makeConnector(service), settings: {} }]))),
      Layer.provide(RateLimiter.layer),
      Layer.provide(Layer.succeed(HttpClient.HttpClient, HttpClient.make(() => Effect.dieMessage("the test connector makes no requests"))))
    )
  )

const createImport = (account: string, name = account) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    yield* store.ensureAccount(defaultAccountId)
    const list = yield* store.ensureList(defaultAccountId, "Test")
    const now = new Date(yield* TestClock.currentTimeMillis)
    const imp = yield* store.createImport(
      { accountId: defaultAccountId, connectorId: "test-service" as Domain.ConnectorId, name, config: { account }, listIds: [list.id] },
      now
    )
    return imp.id
  })

/** Lets forked fibers and the database catch up with the clock (no time passes). */
const settle = Effect.promise(() => new Promise((resolve) => setImmediate(resolve))).pipe(Effect.repeatN(30))

const advance = (duration: Duration.DurationInput) => Effect.zipRight(TestClock.adjust(duration), settle)

const runsOf = (id: Domain.ImportId) =>
  Effect.flatMap(Store.Store, (store) => Effect.map(store.listRuns(id, 100), (runs) => [...runs].reverse()))

const minutesOf = (date: Date | null) => (date === null ? null : date.getTime() / 60_000)

/** Starts the scheduler's loop in the background, as `autoimport run` does. */
const startScheduler = (opts: Scheduler.SchedulerOptions = options) =>
  Effect.gen(function*() {
    const scheduler = yield* Scheduler.make(opts)
    const fiber = yield* Effect.fork(scheduler.run)
    yield* settle
    return fiber
  })

describe("Scheduler", () => {
  it.effect("syncs a created import at once, then every interval", () => {
    const service = new Service()
    service.add("a", 50)
    return Effect.gen(function*() {
      const id = yield* createImport("a")
      yield* startScheduler()
      assert.deepStrictEqual((yield* runsOf(id)).map((r) => [r.outcome, minutesOf(r.startedAt)]), [["caught-up", 0]])
      const schedule = yield* Effect.flatMap(Store.Store, (s) => s.getSchedule(id))
      assert.strictEqual(minutesOf(schedule.nextRunAt), 30)

      yield* advance("29 minutes")
      assert.strictEqual((yield* runsOf(id)).length, 1)
      yield* advance("1 minute")
      yield* advance("30 minutes")
      assert.deepStrictEqual((yield* runsOf(id)).map((r) => minutesOf(r.startedAt)), [0, 30, 60])
    }).pipe(withServices(service))
  })

  it.effect("a backlog beyond the batch cap continues at the next slots", () => {
    const service = new Service()
    service.add("a", 600)
    return Effect.gen(function*() {
      const id = yield* createImport("a")
      yield* startScheduler()
      yield* advance("29 minutes")
      assert.deepStrictEqual((yield* runsOf(id)).map((r) => r.outcome), ["batch-cap"])
      yield* advance("1 minute")
      yield* advance("30 minutes")
      const runs = yield* runsOf(id)
      assert.deepStrictEqual(runs.map((r) => [r.outcome, r.counts.fetched, minutesOf(r.startedAt)]), [
        ["batch-cap", 250, 0],
        ["batch-cap", 250, 30],
        ["caught-up", 100, 60]
      ])
      assert.strictEqual(yield* Effect.flatMap(Store.Store, (s) => s.countContacts(defaultAccountId)), 600)
    }).pipe(withServices(service))
  })

  it.effect("imports of one external account run one after the other; other accounts run alongside", () => {
    const service = new Service()
    service.pageDelay = "1 minute"
    service.add("a", 200)
    service.add("b", 200)
    return Effect.gen(function*() {
      const a1 = yield* createImport("a", "a1")
      const a2 = yield* createImport("a", "a2")
      const b = yield* createImport("b")
      yield* startScheduler()
      for (let i = 0; i < 5; i++) yield* advance("1 minute")
      const [runA1] = yield* runsOf(a1)
      const [runA2] = yield* runsOf(a2)
      const [runB] = yield* runsOf(b)
      assert.deepStrictEqual([runA1?.outcome, runA2?.outcome, runB?.outcome], ["caught-up", "caught-up", "caught-up"])
      assert.strictEqual(service.maxActive.get("a"), 1)
      assert.strictEqual(service.maxAll, 2)
      // Both a-imports were due at 0; one waited for the other to finish.
      const [first, second] = [runA1!, runA2!].sort((x, y) => x.startedAt.getTime() - y.startedAt.getTime())
      assert.isAtLeast(second!.startedAt.getTime(), first!.finishedAt!.getTime())
      assert.strictEqual(minutesOf(runB!.startedAt), 0)
    }).pipe(withServices(service))
  })

  it.effect("at most `concurrency` syncs run at once", () => {
    const service = new Service()
    service.pageDelay = "1 minute"
    for (const account of ["a", "b", "c"]) service.add(account, 100)
    return Effect.gen(function*() {
      const ids = [yield* createImport("a"), yield* createImport("b"), yield* createImport("c")]
      yield* startScheduler({ ...options, concurrency: 1 })
      for (let i = 0; i < 4; i++) yield* advance("1 minute")
      for (const id of ids) assert.strictEqual((yield* runsOf(id)).length, 1)
      assert.strictEqual(service.maxAll, 1)
    }).pipe(withServices(service))
  })

  it.effect("next-run times are stored: a restarted scheduler keeps the slot", () => {
    const service = new Service()
    service.add("a", 10)
    return Effect.gen(function*() {
      const id = yield* createImport("a")
      const first = yield* startScheduler()
      yield* Fiber.interrupt(first)
      assert.strictEqual((yield* runsOf(id)).length, 1)

      yield* advance("10 minutes")
      yield* startScheduler()
      assert.strictEqual((yield* runsOf(id)).length, 1, "not due again before its slot")
      yield* advance("20 minutes")
      assert.deepStrictEqual((yield* runsOf(id)).map((r) => minutesOf(r.startedAt)), [0, 30])
    }).pipe(withServices(service))
  })

  it.effect("a rate-limited run waits at least as long as the service asked", () => {
    const service = new Service()
    service.add("a", 10)
    service.failures.push(new Errors.RateLimited({ service: "Test Service", retryAfterMillis: Duration.toMillis("2 hours") }))
    return Effect.gen(function*() {
      const id = yield* createImport("a")
      yield* startScheduler()
      const schedule = yield* Effect.flatMap(Store.Store, (s) => s.getSchedule(id))
      assert.strictEqual(minutesOf(schedule.nextRunAt), 120)
      yield* advance("60 minutes")
      assert.strictEqual((yield* runsOf(id)).length, 1)
      yield* advance("60 minutes")
      assert.deepStrictEqual((yield* runsOf(id)).map((r) => [r.outcome, r.stopTag]), [["stopped", "RateLimited"], ["caught-up", null]])
    }).pipe(withServices(service))
  })

  it.effect("an import whose lease another runner holds is left to it, then picked up", () => {
    const service = new Service()
    service.add("a", 10)
    return Effect.gen(function*() {
      const store = yield* Store.Store
      const id = yield* createImport("a")
      const lease = Option.getOrThrow(yield* store.acquireLease(id, "other-runner", new Date(0), Duration.toMillis("5 minutes")))
      yield* startScheduler()
      assert.strictEqual((yield* runsOf(id)).length, 0)
      yield* store.releaseLease(id, lease)
      yield* advance("1 minute")
      assert.deepStrictEqual((yield* runsOf(id)).map((r) => minutesOf(r.startedAt)), [1])
    }).pipe(withServices(service))
  })

  it.effect("runDue syncs only what is due, once (run --once)", () => {
    const service = new Service()
    service.add("a", 600)
    service.add("b", 10)
    return Effect.gen(function*() {
      const store = yield* Store.Store
      const a = yield* createImport("a")
      const b = yield* createImport("b")
      yield* store.setNextRunAt(b, new Date(Duration.toMillis("1 hour")))
      const scheduler = yield* Scheduler.make(options)
      const reports = yield* scheduler.runDue
      assert.deepStrictEqual(reports.map((r) => [r.run.importId, r.run.outcome]), [[a, "batch-cap"]])
      assert.deepStrictEqual(yield* scheduler.runDue, [], "a batch-capped import is not due again before its next slot")
      assert.strictEqual((yield* runsOf(b)).length, 0)
    }).pipe(withServices(service))
  })

  it.effect("syncUntilDone runs batches back to back until caught up", () => {
    const service = new Service()
    service.add("a", 600)
    return Effect.gen(function*() {
      const id = yield* createImport("a")
      const scheduler = yield* Scheduler.make(options)
      const seen: Array<[number, number]> = []
      const { reports, settled } = yield* Scheduler.syncUntilDone(scheduler, id, (_, batch, total) => Effect.sync(() => seen.push([batch, total.fetched])))
      assert.deepStrictEqual(reports.map((r) => r.run.outcome), ["batch-cap", "batch-cap", "caught-up", "caught-up"])
      assert.deepStrictEqual(seen, [[1, 250], [2, 500], [3, 600], [4, 600]], "a last pass confirms nothing came in meanwhile")
      assert.isTrue(settled)
    }).pipe(withServices(service))
  })

  it.effect("syncUntilDone does not call an import done while changes made during its passes wait behind the cursor", () => {
    const service = new Service()
    service.add("a", 100)
    service.whilePaging.push(() => service.add("a", 5))
    return Effect.gen(function*() {
      const id = yield* createImport("a")
      const scheduler = yield* Scheduler.make(options)
      const { reports, settled } = yield* Scheduler.syncUntilDone(scheduler, id, () => Effect.void)
      assert.deepStrictEqual(reports.map((r) => [r.run.outcome, r.run.counts.added]), [["caught-up", 100], ["caught-up", 5], ["caught-up", 0]])
      assert.isTrue(settled)
      assert.strictEqual(yield* Effect.flatMap(Store.Store, (store) => store.countContacts(defaultAccountId)), 105)
    }).pipe(withServices(service))
  })

  it.effect("syncUntilDone stops confirming after a bound and says changes may be pending when the source never stands still", () => {
    const service = new Service()
    service.add("a", 10)
    for (let i = 0; i < 20; i++) service.whilePaging.push(() => service.add("a", 1))
    return Effect.gen(function*() {
      const id = yield* createImport("a")
      const scheduler = yield* Scheduler.make(options)
      const { reports, settled } = yield* Scheduler.syncUntilDone(scheduler, id, () => Effect.void)
      assert.strictEqual(reports.length, 1 + Scheduler.maxConfirmingPasses)
      assert.isFalse(settled)
    }).pipe(withServices(service))
  })
})
