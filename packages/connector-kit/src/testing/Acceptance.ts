/**
 * The acceptance suite every connector package runs in its own tests (see
 * docs/writing-a-connector.md): the cursor rules of docs/design.md §3 and the error taxonomy of §4,
 * checked end to end — the connector's fake on a real loopback port, the production HTTP
 * transport, the real sync engine and a real store.
 *
 * A connector provides its fake through {@link AcceptanceFake}.
 */
import { type AnyConnector, Connectors } from "@autoimport/core/Connector"
import type { AccountId, ImportId, SourceRecord, SyncRun } from "@autoimport/core/Domain"
import * as Email from "@autoimport/core/Email"
import { Store, type StoreShape } from "@autoimport/core/Store"
import * as SyncEngine from "@autoimport/core/SyncEngine"
import { layerPgTest, layerSqliteTest } from "@autoimport/store-sql/testing"
import type * as SqlClient from "@effect/sql/SqlClient"
import { assert, layer, type Vitest } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Scope from "effect/Scope"
import * as Stream from "effect/Stream"
import type { RequestHandler } from "msw"
import * as Http from "../Http.js"
import { driveClock } from "./Clock.js"
import type { Faults } from "./Faults.js"
import { layerPull, serveFake } from "./Server.js"

export interface AcceptanceRecord {
  readonly externalId: string
  /** The email as the service holds it (not normalized), or null when it has none. */
  readonly email: string | null
}

/** A fresh, seeded instance of a connector's fake, seen through what the suite needs. */
export interface AcceptanceFake {
  readonly handlers: ReadonlyArray<RequestHandler>
  readonly faults: Faults
  /** The connector's (encoded) operator settings, pointing every URL at the served fake. */
  readonly settings: (url: string) => unknown
  /** An (encoded) import config with valid credentials and criteria matching {@link records}. */
  readonly config: () => unknown
  /** Every record the service holds now that matches the criteria of {@link config}. */
  readonly records: () => ReadonlyArray<AcceptanceRecord>
  /**
   * Adds `count` records with valid, distinct emails. With `sameTimestamp`, all of them share one
   * modification timestamp (where the service has them): the boundary case of `(updatedAt, id)`
   * positions.
   */
  readonly add: (count: number, options?: { readonly sameTimestamp?: boolean }) => ReadonlyArray<string>
  /** Changes a value (not the email) of `count` existing records and bumps their modification time. */
  readonly edit: (count: number) => ReadonlyArray<string>
  /** Deletes `count` records from the service. */
  readonly remove: (count: number) => ReadonlyArray<string>
  /** How deleted records show up: as tombstones (`SourceDeletion`) or not at all. */
  readonly deletions: "tombstones" | "not-reported"
  /** An (encoded) cursor positioned after everything the service holds, e.g. a timestamp a day ahead. */
  readonly futureCursor: () => unknown
}

export type Dialect = "sqlite" | "postgres"

export interface AcceptanceOptions {
  readonly connector: AnyConnector
  /** A fresh fake for each test (seeded: the same every time). */
  readonly makeFake: () => AcceptanceFake
  /**
   * Store dialects to run on. Default: both, or those in `AUTOIMPORT_ACCEPTANCE_DIALECTS`
   * (comma-separated). Postgres is `AUTOIMPORT_TEST_DATABASE_URL` or 127.0.0.1:5432/test.
   */
  readonly dialects?: ReadonlyArray<Dialect>
}

/**
 * Defines the acceptance tests (a vitest `describe` per dialect). Call it at the top level of a
 * test file:
 *
 * ```ts
 * runAcceptanceSuite({ connector, makeFake: () => acceptanceFake(makeMyFake({ seed: 7, size: 120 })) })
 * ```
 */
export const runAcceptanceSuite = (options: AcceptanceOptions): void => {
  const fromEnv = process.env["AUTOIMPORT_ACCEPTANCE_DIALECTS"]?.split(",").map((d) => d.trim()) as Array<Dialect> | undefined
  const dialects = options.dialects ?? fromEnv ?? ["sqlite", "postgres"]
  for (const dialect of dialects) {
    layer(dialect === "sqlite" ? layerSqliteTest : layerPgTest, { timeout: 60_000 })(
      `acceptance: ${options.connector.id} on ${dialect}`,
      (it) => defineTests(it, options)
    )
  }
}

interface Harness {
  readonly fake: AcceptanceFake
  readonly store: StoreShape
  readonly accountId: AccountId
  readonly importId: ImportId
  /** One sync, with the test clock driven while it runs (rate-limit waits, retry backoff). */
  readonly sync: (batchCap?: number) => Effect.Effect<SyncRun>
  /** One sync by an engine whose connectors' clients get these limits (the runner's settings). */
  readonly syncWithLimits: (limits: Partial<Http.LimitsShape>) => Effect.Effect<SyncRun>
  /** Syncs until a run is caught up (or `maxRuns` runs), returning every run. */
  readonly syncUntilCaughtUp: (batchCap?: number, maxRuns?: number) => Effect.Effect<ReadonlyArray<SyncRun>>
  readonly emails: Effect.Effect<ReadonlyArray<string>>
  readonly pullAll: (cursor: Option.Option<unknown>) => Effect.Effect<ReadonlyArray<SourceRecord>, unknown>
}

let accounts = 0

const harness = (connector: AnyConnector, makeFake: () => AcceptanceFake) =>
  Effect.gen(function*() {
    const fake = makeFake()
    const { url } = yield* serveFake(fake.handlers)
    const store = yield* Store
    const settings = yield* Schema.decodeUnknown(connector.settings)(fake.settings(url)).pipe(Effect.orDie)
    const accountId = `acceptance-${connector.id}-${process.pid}-${++accounts}` as AccountId
    yield* store.ensureAccount(accountId)
    const list = yield* store.ensureList(accountId, "Acceptance")
    const created = yield* store.createImport(
      { accountId, connectorId: connector.id, name: `${connector.name} acceptance`, config: fake.config(), listIds: [list.id] },
      new Date(yield* Clock.currentTimeMillis)
    )
    // Built in the test's scope: the engine keeps using the HTTP client (undici's dispatcher)
    // after construction, so its layer must stay open until the test ends.
    const buildEngine = (limits: Http.LimitsShape) =>
      Layer.build(
        SyncEngine.SyncEngine.Default.pipe(
          Layer.provide(Layer.succeed(Connectors, Connectors.fromList([{ connector, settings }]))),
          Layer.provide(layerPull),
          Layer.provide(Layer.succeed(Store, store)),
          Layer.provide(Layer.succeed(Http.Limits, limits))
        )
      ).pipe(Effect.map(Context.get(SyncEngine.SyncEngine)))
    const engine = yield* buildEngine(Http.defaultLimits)
    const sync = (batchCap = 500) =>
      driveClock(engine.sync(created.id, { batchCap, owner: "acceptance" })).pipe(Effect.map((report) => report.run), Effect.orDie)
    const scope = yield* Effect.scope
    const syncWithLimits = (limits: Partial<Http.LimitsShape>) =>
      buildEngine({ ...Http.defaultLimits, ...limits }).pipe(
        Scope.extend(scope),
        Effect.flatMap((limited) => driveClock(limited.sync(created.id, { owner: "acceptance" }))),
        Effect.map((report) => report.run),
        Effect.orDie
      )
    const syncUntilCaughtUp = (batchCap = 500, maxRuns = 50) =>
      Effect.gen(function*() {
        const runs: Array<SyncRun> = []
        while (runs.length < maxRuns) {
          const run = yield* sync(batchCap)
          runs.push(run)
          if (run.outcome !== "batch-cap") break
        }
        return runs
      })
    const emails = Effect.map(
      store.listContacts({ accountId, limit: 1_000_000 }),
      (contacts) => contacts.map((c) => c.email as string).sort()
    )
    const config = yield* Schema.decodeUnknown(connector.config)(fake.config()).pipe(Effect.orDie)
    const pullAll = (cursor: Option.Option<unknown>) =>
      driveClock(
        connector.pull({ settings, config, cursor, budget: Number.MAX_SAFE_INTEGER, saveConfig: () => Effect.void }).pipe(
          Stream.runCollect,
          Effect.map((pages) => Chunk.toReadonlyArray(pages).flatMap((page) => page.records)),
          Effect.provide(layerPull)
        )
      )
    return { fake, store, accountId, importId: created.id, sync, syncWithLimits, syncUntilCaughtUp, emails, pullAll } satisfies Harness
  })

/** The contacts the account must hold for these records, and the ids that must be skipped. */
const expectation = (records: ReadonlyArray<AcceptanceRecord>) => {
  const emails = new Set<string>()
  const skipped = new Set<string>()
  for (const record of records) {
    const normalized = record.email === null || record.email.trim() === "" ? undefined : Email.normalize(record.email)
    if (normalized !== undefined && Either.isRight(normalized)) emails.add(normalized.right)
    else skipped.add(record.externalId)
  }
  return { emails: [...emails].sort(), skipped }
}

const skippedIds = (store: StoreShape, runs: ReadonlyArray<SyncRun>) =>
  Effect.map(Effect.forEach(runs, (run) => store.listSkips(run.id)), (lists) => new Set(lists.flat().map((s) => s.externalId as string)))

const sum = (runs: ReadonlyArray<SyncRun>, key: keyof SyncRun["counts"]) =>
  runs.reduce((total, run) => total + (run.counts[key] as number), 0)

const defineTests = (it: Vitest.MethodsNonLive<Store | SqlClient.SqlClient>, { connector, makeFake }: AcceptanceOptions) => {
  const setup = harness(connector, makeFake)

  it.scoped("an initial full import equals the dataset: valid emails only, every skip recorded", () =>
    Effect.gen(function*() {
      const h = yield* setup
      const runs = yield* h.syncUntilCaughtUp(500)
      assert.strictEqual(runs.at(-1)!.outcome, "caught-up", `last run: ${runs.at(-1)!.message}`)
      const expected = expectation(h.fake.records())
      assert.isAbove(expected.emails.length, 0, "the fake's dataset must hold valid contacts")
      assert.isAbove(expected.skipped.size, 0, "the fake's dataset must hold invalid or missing emails")
      assert.deepStrictEqual(yield* h.emails, expected.emails)
      const skipped = yield* skippedIds(h.store, runs)
      for (const id of expected.skipped) assert.isTrue(skipped.has(id), `record ${id} should be recorded as skipped`)
    }))

  it.scoped("resuming from every committed cursor yields the rest: nothing lost, nothing duplicated, no loop", () =>
    Effect.gen(function*() {
      const h = yield* setup
      const expected = expectation(h.fake.records())
      const batchCap = Math.max(3, Math.ceil(h.fake.records().length / 6)) | 1
      const maxRuns = Math.ceil(h.fake.records().length / batchCap) + 3
      let runs = 0
      while (runs++ < maxRuns) {
        const run = yield* h.sync(batchCap)
        const cursor = yield* h.store.getCursor(h.importId)
        const decoded = yield* Option.match(cursor, {
          onNone: () => Effect.succeed(Option.none<unknown>()),
          onSome: (json) => Effect.map(Schema.decodeUnknown(connector.cursor)(json), Option.some)
        }).pipe(Effect.orDie)
        const committed = new Set(yield* h.emails)
        const rest = yield* Effect.orDie(h.pullAll(decoded))
        for (const record of rest) {
          if (record._tag === "SourceContact" && record.email !== null) {
            const normalized = Email.normalize(record.email)
            if (Either.isRight(normalized)) committed.add(normalized.right)
          }
        }
        for (const email of expected.emails) {
          assert.isTrue(committed.has(email), `resuming from the cursor after run ${runs} loses ${email}`)
        }
        if (run.outcome === "caught-up") break
        assert.strictEqual(run.outcome, "batch-cap", `run ${runs}: ${run.message}`)
      }
      assert.isAtMost(runs, maxRuns, "the syncs did not catch up: the cursor loops")
      assert.deepStrictEqual(yield* h.emails, expected.emails)
    }))

  it.scoped("two sequential syncs with no source change: the second writes nothing", () =>
    Effect.gen(function*() {
      const h = yield* setup
      yield* h.syncUntilCaughtUp()
      const again = yield* h.sync()
      assert.strictEqual(again.outcome, "caught-up")
      assert.deepStrictEqual([again.counts.added, again.counts.updated, again.counts.deleted], [0, 0, 0])
    }))

  it.scoped("edits show up in the next sync, and only the edited records are written", () =>
    Effect.gen(function*() {
      const h = yield* setup
      yield* h.syncUntilCaughtUp()
      const edited = h.fake.edit(4)
      const runs = yield* h.syncUntilCaughtUp()
      assert.strictEqual(sum(runs, "updated"), edited.length)
      assert.strictEqual(sum(runs, "added"), 0)
    }))

  it.scoped("equal timestamps at page and batch boundaries: nothing lost, no loop", () =>
    Effect.gen(function*() {
      const h = yield* setup
      yield* h.syncUntilCaughtUp()
      const added = h.fake.add(23, { sameTimestamp: true })
      const runs = yield* h.syncUntilCaughtUp(5, 12)
      assert.strictEqual(runs.at(-1)!.outcome, "caught-up", "equal timestamps made the sync loop")
      assert.strictEqual(sum(runs, "added"), added.length)
      assert.deepStrictEqual(yield* h.emails, expectation(h.fake.records()).emails)
    }))

  it.scoped("a cursor positioned in the future yields nothing", () =>
    Effect.gen(function*() {
      const h = yield* setup
      const future = yield* Schema.decodeUnknown(connector.cursor)(h.fake.futureCursor()).pipe(Effect.orDie)
      const records = yield* Effect.orDie(h.pullAll(Option.some(future)))
      assert.strictEqual(records.length, 0)
    }))

  it.scoped("an expired or invalid service cursor leads to a full resync without duplicates", () =>
    Effect.gen(function*() {
      const h = yield* setup
      yield* h.syncUntilCaughtUp()
      h.fake.edit(2)
      h.fake.faults.expireCursors()
      const runs = yield* h.syncUntilCaughtUp()
      assert.strictEqual(runs.at(-1)!.outcome, "caught-up", `last run: ${runs.at(-1)!.message}`)
      assert.deepStrictEqual(yield* h.emails, expectation(h.fake.records()).emails)
    }))

  it.scoped("429 with Retry-After and 5xx are retried; when they persist the run stops and keeps its cursor", () =>
    Effect.gen(function*() {
      const h = yield* setup
      h.fake.faults.rateLimitNext(2, 2).failNext(2, 503)
      const first = yield* h.syncUntilCaughtUp()
      assert.strictEqual(first.at(-1)!.outcome, "caught-up", `last run: ${first.at(-1)!.message}`)
      assert.deepStrictEqual(yield* h.emails, expectation(h.fake.records()).emails)

      h.fake.edit(2)
      const cursor = yield* h.store.getCursor(h.importId)
      h.fake.faults.failNext(1_000, 503)
      const failing = yield* h.sync()
      assert.strictEqual(failing.outcome, "stopped")
      assert.strictEqual(failing.stopTag, "ServiceUnavailable")
      assert.deepStrictEqual(yield* h.store.getCursor(h.importId), cursor)
      h.fake.faults.clear()
      const recovered = yield* h.syncUntilCaughtUp()
      assert.strictEqual(sum(recovered, "updated"), 2)
    }))

  it.scoped("an answer that stalls after its headers ends the run (timed out, retried, stopped) and writes nothing", () =>
    Effect.gen(function*() {
      const h = yield* setup
      h.fake.faults.stallNext(1_000)
      // A short idle timeout keeps the test quick: the driven clock steps 100 ms per real millisecond.
      const run = yield* h.syncWithLimits({ idleTimeout: "1 second" })
      assert.strictEqual(run.outcome, "stopped", `${run.message}`)
      assert.strictEqual(run.stopTag, "ServiceUnavailable")
      assert.include(run.message!, "stalled")
      assert.deepStrictEqual(yield* h.emails, [])
      assert.isTrue(Option.isNone(yield* h.store.getCursor(h.importId)))
      h.fake.faults.clear()
      const runs = yield* h.syncUntilCaughtUp()
      assert.strictEqual(runs.at(-1)!.outcome, "caught-up", `last run: ${runs.at(-1)!.message}`)
      assert.deepStrictEqual(yield* h.emails, expectation(h.fake.records()).emails)
    }))

  it.scoped("a service that answers with the same page again ends the run with MalformedResponse instead of looping", () =>
    Effect.gen(function*() {
      const h = yield* setup
      h.fake.faults.repeatAnswers(1_000)
      const run = yield* h.sync()
      assert.strictEqual(run.outcome, "stopped", `${run.message}`)
      assert.strictEqual(run.stopTag, "MalformedResponse")
      assert.isAtMost(h.fake.faults.faulted, 2, "the repeated page was asked for again and again")
      h.fake.faults.clear()
      const runs = yield* h.syncUntilCaughtUp()
      assert.strictEqual(runs.at(-1)!.outcome, "caught-up", `last run: ${runs.at(-1)!.message}`)
      assert.deepStrictEqual(yield* h.emails, expectation(h.fake.records()).emails)
    }))

  it.scoped("a sync sends at most requestsPerSync requests, then stops with RequestLimitReached; nothing is lost", () =>
    Effect.gen(function*() {
      const h = yield* setup
      const limited = yield* h.syncWithLimits({ requestsPerSync: 2 })
      assert.strictEqual(limited.outcome, "stopped", `${limited.message}`)
      assert.strictEqual(limited.stopTag, "RequestLimitReached")
      const runs = yield* h.syncUntilCaughtUp()
      assert.strictEqual(runs.at(-1)!.outcome, "caught-up", `last run: ${runs.at(-1)!.message}`)
      assert.deepStrictEqual(yield* h.emails, expectation(h.fake.records()).emails)
    }))

  it.scoped("revoked credentials end the run with AuthRevoked and change nothing", () =>
    Effect.gen(function*() {
      const h = yield* setup
      yield* h.syncUntilCaughtUp()
      h.fake.edit(3)
      const before = yield* h.store.listContacts({ accountId: h.accountId, limit: 1_000_000 })
      const cursor = yield* h.store.getCursor(h.importId)
      h.fake.faults.revokeRefreshTokens().expireAccessTokens()
      const run = yield* h.sync()
      assert.strictEqual(run.outcome, "needs-attention")
      assert.strictEqual(run.stopTag, "AuthRevoked")
      assert.strictEqual((yield* h.store.getImport(h.importId).pipe(Effect.orDie)).status, "needs-attention")
      assert.deepStrictEqual(yield* h.store.listContacts({ accountId: h.accountId, limit: 1_000_000 }), before)
      assert.deepStrictEqual(yield* h.store.getCursor(h.importId), cursor)
    }))

  it.scoped("a malformed response body gives a typed error and writes nothing", () =>
    Effect.gen(function*() {
      for (const how of ["truncated", "wrong-shape"] as const) {
        const h = yield* setup
        h.fake.faults.malformNext(1, how)
        const run = yield* h.sync()
        assert.strictEqual(run.outcome, "stopped", `${how}: ${run.message}`)
        assert.strictEqual(run.stopTag, "MalformedResponse")
        assert.strictEqual(run.counts.added + run.counts.updated, 0)
        assert.deepStrictEqual(yield* h.emails, [])
        assert.isTrue(Option.isNone(yield* h.store.getCursor(h.importId)))
      }
    }))

  it.scoped("deleted source records are handled as the connector documents; the contacts stay", () =>
    Effect.gen(function*() {
      const h = yield* setup
      yield* h.syncUntilCaughtUp()
      const before = yield* h.emails
      const validBefore = new Set(expectation(h.fake.records()).emails)
      const emailOf = new Map(h.fake.records().map((r) => [r.externalId, r.email]))
      const removed = h.fake.remove(2)
      const linked = removed.filter((id) => {
        const email = emailOf.get(id)
        const normalized = email ? Email.normalize(email) : undefined
        return normalized !== undefined && Either.isRight(normalized) && validBefore.has(normalized.right)
      })
      const runs = yield* h.syncUntilCaughtUp()
      assert.deepStrictEqual(yield* h.emails, before, "contacts stay when their source record is deleted")
      if (h.fake.deletions === "tombstones") {
        assert.strictEqual(sum(runs, "deleted"), linked.length)
      } else {
        assert.strictEqual(sum(runs, "deleted"), 0)
      }
    }))
}
