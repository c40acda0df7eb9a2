/**
 * Issue 14's figures: what a sync that finds little costs, and how many statements a page takes.
 *
 * - `incrementalCosts`: one import of a 1,000-person fake account, synced once in full, then
 *   incremental syncs as the runner runs a due import (`Scheduler.syncNow`: the import read, its
 *   account key, the engine's sync, the next run time, the run's skips for the metrics). First a
 *   few syncs with every SQL statement and transaction counted (by a tracer, see below) and the
 *   fake's request counts read before and after; then many syncs timed by `process.cpuUsage`
 *   without the counting, whose median is the figure. Idle syncs find nothing; change syncs find
 *   the 20 people the fake edited just before (outside the timing).
 * - `statementsPerPage`: an initial sync of `size` contacts with every statement counted, divided
 *   by its pages.
 *
 * Statements are counted through @effect/sql's own tracing: every statement it executes runs in
 * a span named `sql.execute` carrying the statement's text (`db.query.text`), every transaction
 * (or savepoint) in a span `sql.transaction`. A tracer wrapping the current one counts them, so
 * nothing in the store changes and both dialects are counted the same way. The transaction's
 * BEGIN and COMMIT are sent by the driver outside those spans: on Postgres each transaction is
 * two more round trips than its statements (pg_stat_statements would count them too, but the
 * test server does not preload it, and the extension cannot be created without that).
 */
import googleContacts from "@autoimport/connector-google-contacts"
import { Connectors } from "@autoimport/core/Connector"
import type { ImportId } from "@autoimport/core/Domain"
import { Store } from "@autoimport/core/Store"
import { SyncEngine } from "@autoimport/core/SyncEngine"
import { Scheduler } from "@autoimport/runner"
import * as Effect from "effect/Effect"
import * as Tracer from "effect/Tracer"
import { request } from "undici"
import { engineFor, googleSettings, importOf, median, pageSize, register, syncAll, timed } from "./Bench.js"
import { countsPath, editPath, type FakeAccount } from "./FakeServer.js"

/** Statements and transactions seen by `counting`, and each statement's text (shortened) with how often it ran. */
export interface SqlCounts {
  statements: number
  transactions: number
  readonly byText: Map<string, number>
}

const emptyCounts = (): SqlCounts => ({ statements: 0, transactions: 0, byText: new Map() })

/**
 * A statement's kind: its text with whitespace collapsed and parameter lists shortened to `(?…)`,
 * so a multi-row insert or an `IN (…)` of any length is one kind on both dialects.
 */
const kindOf = (text: string) =>
  text.replace(/\s+/g, " ").trim()
    .replace(/\$\d+/g, "?")
    .replace(/\?(\s*,\s*\?)+/g, "?…")
    .replace(/\(\?…\)(\s*,\s*\(\?…\))+/g, "(?…)…")
    .slice(0, 100)

/** Each counting tracer's underlying tracer: a counting tracer inside another counts alone. */
const underlying = new WeakMap<Tracer.Tracer, Tracer.Tracer>()

/** Runs `effect` with every @effect/sql statement and transaction counted into `counts` (and not into an enclosing `counting`'s). */
export const counting = <A, E, R>(counts: SqlCounts, effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Effect.flatMap(Effect.tracer, (current) => {
    const base = underlying.get(current) ?? current
    const tracer = Tracer.make({
      span: (name, parent, context, links, startTime, kind, options) => {
        const span = base.span(name, parent, context, links, startTime, kind, options)
        if (name === "sql.transaction") counts.transactions++
        if (name === "sql.execute") {
          counts.statements++
          // The statement's text is set as an attribute once it is compiled (@effect/sql's Statement.withConnection).
          const attribute = span.attribute.bind(span)
          ;(span as { attribute: Tracer.Span["attribute"] }).attribute = (key, value) => {
            if (key === "db.query.text" && typeof value === "string") {
              const text = kindOf(value)
              counts.byText.set(text, (counts.byText.get(text) ?? 0) + 1)
            }
            attribute(key, value)
          }
        }
        return span
      },
      context: base.context
    })
    underlying.set(tracer, base)
    return Effect.withTracer(effect, tracer)
  })

/** The requests the served account has seen so far, per endpoint. */
const fakeCounts = (url: string, seed: number) =>
  Effect.promise(async () => {
    const response = await request(`${url}${countsPath}?seed=${seed}`)
    if (response.statusCode !== 200) throw new Error(`fake counts: HTTP ${response.statusCode}`)
    return (await response.body.json()) as Record<string, number>
  })

const editPeople = (url: string, seed: number, count: number) =>
  Effect.promise(async () => {
    const response = await request(`${url}${editPath}`, { method: "POST", body: JSON.stringify({ seed, count }) })
    const text = await response.body.text()
    if (response.statusCode !== 204) throw new Error(`fake edit: HTTP ${response.statusCode}: ${text}`)
  })

/** The counts of one sync, as reported. */
export interface CountedSync {
  /** HTTP requests the fake saw, per endpoint. */
  readonly requests: Record<string, number>
  readonly statements: number
  readonly transactions: number
  /** Each statement kind with how often the sync ran it, most frequent first. */
  readonly statementKinds: ReadonlyArray<readonly [string, number]>
}

export interface SyncCost {
  /** Median CPU (user + system) of this process per sync, in milliseconds. */
  readonly cpuMillis: number
  readonly cpuMillisQuartiles: readonly [number, number]
  readonly timedSyncs: number
  /** One counted sync (the last of the counted ones; they are alike, `countedAlike` says so). */
  readonly counted: CountedSync
  readonly countedAlike: boolean
  readonly fetchedPerSync: number
}

export const changesPerSync = 20

const quantile = (values: ReadonlyArray<number>, q: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!
}

const round2 = (n: number) => Math.round(n * 100) / 100

const sortedKinds = (counts: SqlCounts) => [...counts.byText].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))

/**
 * Idle and 20-change incremental syncs of one import through the runner's scheduler, on the
 * store in context; with `idleOnly`, only the idle ones (for a CPU profile of them alone).
 */
export const incrementalCosts = (url: string, account: FakeAccount, repetitions: number, idleOnly = false) =>
  Effect.scoped(Effect.gen(function*() {
    yield* register(url, [account])
    const h = yield* engineFor(url)
    const scheduler = yield* Scheduler.make({
      interval: "30 minutes",
      jitter: 0,
      pollInterval: "10 seconds",
      batchCap: 500,
      concurrency: 4,
      owner: "bench"
    }).pipe(
      Effect.provideService(Store, h.store),
      Effect.provideService(SyncEngine, h.engine),
      Effect.provideService(Connectors, Connectors.fromList([{ connector: googleContacts, settings: googleSettings(url) }]))
    )
    const importId: ImportId = yield* importOf(h, "idle", account)
    yield* syncAll(h, importId)

    const syncOnce = Effect.flatMap(Effect.orDie(scheduler.syncNow(importId)), ({ run }) =>
      run.outcome === "caught-up" ? Effect.succeed(run) : Effect.dieMessage(`incremental sync ended ${run.outcome}: ${run.message}`))

    const measure = (changes: number) =>
      Effect.gen(function*() {
        const prepare = changes === 0 ? Effect.void : editPeople(url, account.seed, changes)
        // Counted syncs: the first ones after the initial sync (or after the other kind) warm up too.
        const counted: Array<CountedSync> = []
        for (let i = 0; i < 5; i++) {
          yield* prepare
          const before = yield* fakeCounts(url, account.seed)
          const counts = emptyCounts()
          const run = yield* counting(counts, syncOnce)
          const after = yield* fakeCounts(url, account.seed)
          if (run.counts.fetched !== changes) return yield* Effect.dieMessage(`expected ${changes} fetched, got ${run.counts.fetched}`)
          counted.push({
            requests: Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - (before[k] ?? 0)]).filter(([, v]) => v !== 0)),
            statements: counts.statements,
            transactions: counts.transactions,
            statementKinds: sortedKinds(counts)
          })
        }
        const cpu: Array<number> = []
        for (let i = 0; i < repetitions; i++) {
          yield* prepare
          const [, run, cpuMillis] = yield* timed(syncOnce)
          if (run.counts.fetched !== changes) return yield* Effect.dieMessage(`expected ${changes} fetched, got ${run.counts.fetched}`)
          cpu.push(cpuMillis)
        }
        const last = counted[counted.length - 1]!
        return {
          cpuMillis: round2(median(cpu)),
          cpuMillisQuartiles: [round2(quantile(cpu, 0.25)), round2(quantile(cpu, 0.75))],
          timedSyncs: repetitions,
          counted: last,
          // The later counted syncs should all be alike; the first may still load something once.
          countedAlike: counted.slice(1).every((c) => JSON.stringify(c) === JSON.stringify(last)),
          fetchedPerSync: changes
        } satisfies SyncCost
      })

    const idle = yield* measure(0)
    if (idleOnly) return { contacts: account.size, idle }
    const changed = yield* measure(changesPerSync)
    return { contacts: account.size, idle, changed }
  }))

/**
 * An initial sync of the whole account with every statement counted. The page's own statements
 * are those of the store's two calls per page (`loadLinks`, `commitPage`), counted apart (the
 * inner tracer wins); the rest are the run's (lease, run record, fields, cursor reads), which the
 * engine also makes between pages (the lease renewal) — both are reported per page.
 */
export const statementsPerPage = (url: string, account: FakeAccount) =>
  Effect.scoped(Effect.gen(function*() {
    yield* register(url, [account])
    const store = yield* Store
    const page = emptyCounts()
    const h = yield* engineFor(url, {
      ...store,
      loadLinks: (importId, externalIds) => counting(page, store.loadLinks(importId, externalIds)),
      commitPage: (write) => counting(page, store.commitPage(write))
    })
    const importId = yield* importOf(h, "pages", account)
    const rest = emptyCounts()
    const run = yield* counting(rest, syncAll(h, importId))
    const pages = Math.ceil(run.counts.fetched / pageSize)
    const perPage = (counts: SqlCounts) => ({
      statements: round2(counts.statements / pages),
      transactions: round2(counts.transactions / pages),
      // BEGIN and COMMIT of each transaction are round trips too (see the module's comment).
      roundTrips: round2((counts.statements + 2 * counts.transactions) / pages),
      statementKinds: sortedKinds(counts).map(([text, n]) => [text, round2(n / pages)] as const)
    })
    return { contacts: run.counts.fetched, pages, inPageCalls: perPage(page), restOfRun: perPage(rest) }
  }))
