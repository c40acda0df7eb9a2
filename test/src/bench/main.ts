/**
 * `npm run bench [-- --quick]`: the benchmarks of docs/performance.md. Every measurement runs in
 * a child process of its own against the Google Contacts fake, itself in another process, on
 * loopback. Prints the figures, and writes them as JSON and an SVG chart to bench/results/.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { median, pageSize, runChild, spawnFake } from "./Bench.js"
import { type Panel, svg } from "./Chart.js"
import type { Dialect } from "./child.js"
import type { SyncFigures } from "./Growth.js"
import { changesPerSync, type SyncCost } from "./Idle.js"
import type { Driver } from "./Imports.js"
import { topCosts } from "./Profile.js"
import type { Trial } from "./Throughput.js"

const quick = process.argv.includes("--quick")

/** Sizes per mode: the full run fits in 15 minutes on 2 cores, the quick one in 2. */
const plan = quick
  ? { incremental: 40, idleProfile: 200, pages: 3_000, throughput: 3_000, trials: 3, growth: [1_000, 5_000, 20_000], fill: 50_000, fillSync: 1_000, schedulerImports: [10, 100], engineImports: [100, 300], profile: 10_000 }
  : {
    incremental: 300,
    idleProfile: 1_000,
    pages: 10_000,
    throughput: 10_000,
    trials: 3,
    growth: [10_000, 100_000, 1_000_000],
    fill: 1_000_000,
    fillSync: 10_000,
    schedulerImports: [10, 100, 1_000],
    engineImports: [1_000, 10_000],
    profile: 30_000
  }

const contactsPerImport = 10
const dialects: ReadonlyArray<Dialect> = ["sqlite", "pg"]
const resultsDir = fileURLToPath(new URL("../../../bench/results/", import.meta.url))

interface ImportsFigures {
  readonly driver: Driver
  readonly imports: number
  readonly initial: { readonly cpuMillisPerSync: number; readonly wallSeconds: number }
  readonly incremental: { readonly cpuMillisPerSync: number; readonly wallSeconds: number }
  readonly heapPerImportKib: number
  readonly rssPerImportKib: number
}

const percent = (part: number, whole: number) => Math.round((part / whole) * 100)

const name = quick ? "quick" : "full"

/**
 * The previous run of this mode, read before anything overwrites it and kept as
 * `<mode>.previous.json`: every figure printed has the previous run's beside it.
 */
const previous: Record<string, unknown> | undefined = (() => {
  const file = join(resultsDir, `${name}.json`)
  if (!existsSync(file)) return undefined
  const text = readFileSync(file, "utf8")
  writeFileSync(join(resultsDir, `${name}.previous.json`), text)
  return JSON.parse(text) as Record<string, unknown>
})()

/** ` (previous: …)` with the figure `get` finds in the previous run, or `none` where it had none. */
const was = (get: (r: any) => unknown, unit = "", grouped = false): string => {
  let value: unknown
  try {
    value = previous === undefined ? undefined : get(previous)
  } catch {
    value = undefined
  }
  return typeof value === "number" ? ` (previous ${grouped ? value.toLocaleString("en-US") : value}${unit})` : " (previous: none)"
}

/**
 * Issue 14's headline: how many imports one core keeps at the 30-minute pace. Each import syncs
 * once per 30 minutes; of those syncs, `changeShare` find 20 changes and the rest find nothing
 * (docs/performance.md, "The headline figure"). One core has 1,800,000 ms of CPU per 30 minutes.
 */
const changeShare = 0.1
const importsPerCore = (idleMillis: number, changedMillis: number) =>
  Math.floor(1_800_000 / ((1 - changeShare) * idleMillis + changeShare * changedMillis))

interface PerPage {
  readonly statements: number
  readonly transactions: number
  readonly roundTrips: number
  readonly statementKinds: ReadonlyArray<readonly [string, number]>
}

interface IncrementalFigures {
  readonly dialect: Dialect
  readonly contacts: number
  readonly idle: SyncCost
  readonly changed: SyncCost
  readonly importsPerCore: number
}

const incrementalOf = (url: string, dialect: Dialect, seed: number) =>
  Effect.map(
    runChild<Omit<IncrementalFigures, "dialect" | "importsPerCore">>("incremental", {
      url,
      dialect,
      account: { seed, size: 1_000 },
      repetitions: plan.incremental
    }),
    (r): IncrementalFigures => ({ dialect, ...r, importsPerCore: importsPerCore(r.idle.cpuMillis, r.changed.cpuMillis) })
  )

const previousOf = <A extends { readonly dialect: Dialect }>(phase: string, dialect: Dialect) => (r: any): A =>
  (r[phase] as ReadonlyArray<A>).find((x) => x.dialect === dialect)!

const printCost = (dialect: Dialect, kind: "idle" | "changed", cost: SyncCost) => {
  const prev = (r: any) => previousOf<IncrementalFigures>("incremental", dialect)(r)[kind]
  const requests = Object.entries(cost.counted.requests).map(([k, v]) => `${v} ${k}`).join(", ") || "none"
  return Console.log(
    `  ${label(dialect)}, ${kind === "idle" ? "idle sync (nothing changed)" : `${changesPerSync} changes`}: ` +
      `${cost.cpuMillis} ms CPU${was((r) => prev(r).cpuMillis, " ms")} (median of ${cost.timedSyncs}, quartiles ${cost.cpuMillisQuartiles.join("–")}); ` +
      `HTTP requests: ${requests}${was((r) => Object.values(prev(r).counted.requests as Record<string, number>).reduce((a, b) => a + b, 0), " in all")}; ` +
      `${cost.counted.statements} SQL statements${was((r) => prev(r).counted.statements)} in ${cost.counted.transactions} transactions${was((r) => prev(r).counted.transactions)}` +
      (cost.countedAlike ? "" : " (the counted syncs differed; the JSON has the last)")
  )
}

const throughputOf = (url: string, dialect: Dialect) =>
  Effect.gen(function*() {
    const trials = yield* runChild<ReadonlyArray<Trial>>("throughput", {
      url,
      dialect,
      account: { seed: 1, size: plan.throughput },
      trials: plan.trials
    })
    const fetch = median(trials.map((t) => t.fetchPerSecond))
    const upsert = median(trials.map((t) => t.upsertPerSecond))
    const endToEnd = median(trials.map((t) => t.endToEndPerSecond))
    const storeShare = median(trials.map((t) => t.storeShare))
    const cpuMicrosPerContact = median(trials.map((t) => t.cpuMicrosPerContact))
    const lower = Math.min(fetch, upsert)
    const prev = (r: any) => previousOf<{ readonly dialect: Dialect; readonly median: Record<string, number> }>("throughput", dialect)(r).median
    yield* Console.log(
      `${dialect}: end-to-end ${endToEnd}/s${was((r) => prev(r)["endToEnd"], "/s")}, fetch ceiling ${fetch}/s${was((r) => prev(r)["fetch"], "/s")}, ` +
        `upsert ceiling ${upsert}/s${was((r) => prev(r)["upsert"], "/s")} — ` +
        `end-to-end is ${percent(endToEnd, lower)}% of the lower ceiling (${fetch <= upsert ? "fetch" : "upsert"}); ` +
        `the sync used ${cpuMicrosPerContact} µs of CPU per contact${was((r) => prev(r)["cpuMicrosPerContact"], " µs")} and spent ` +
        `${percent(storeShare, 1)}% of its time in the store${was((r) => percent(prev(r)["storeShare"]!, 1), "%")}`
    )
    return {
      dialect,
      trials,
      median: { endToEnd, fetch, upsert, storeShare, cpuMicrosPerContact },
      lowerCeiling: fetch <= upsert ? "fetch" : "upsert",
      ratio: Math.round((endToEnd / lower) * 100) / 100
    }
  })

/**
 * A child under `node --cpu-prof` and its top self-time costs: the growth child of
 * `plan.profile` contacts (phase "profile"), or idle incremental syncs alone on SQLite (phase
 * "idleProfile": the initial sync of 1,000 contacts and the process start are in it too, a small share).
 */
const profileOf = (url: string, phase: "profile" | "idleProfile") =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "autoimport-prof-"))),
    (dir) =>
      Effect.gen(function*() {
        const prof = ["--cpu-prof", `--cpu-prof-dir=${dir}`]
        const run = phase === "profile"
          ? yield* runChild<SyncFigures>("growth", { url, account: { seed: 300, size: plan.profile } }, prof)
          : yield* runChild<unknown>("incremental", { url, dialect: "sqlite", account: { seed: 410, size: 1_000 }, repetitions: plan.idleProfile, idleOnly: true }, prof)
        const costs = topCosts(join(dir, readdirSync(dir)[0]!), 25)
        yield* Console.log(
          (phase === "profile" ? `profile of a ${plan.profile.toLocaleString("en-US")}-contact sync` : `profile of ${plan.idleProfile} idle syncs (SQLite)`) +
            ` (${costs.busyMillis} ms busy), top self time:`
        )
        const prev = (r: any) => r[phase] as { functions: ReadonlyArray<{ name: string; percent: number }>; packages: ReadonlyArray<{ name: string; percent: number }> }
        for (const f of costs.functions.slice(0, 15)) {
          yield* Console.log(`  ${String(f.percent).padStart(5)}%  ${f.name}${was((r) => prev(r).functions.find((g) => g.name === f.name)?.percent, "%")}`)
        }
        yield* Console.log("  by package: " + costs.packages.map((p) => `${p.name} ${p.percent}%${was((r) => prev(r).packages.find((q) => q.name === p.name)?.percent, "%")}`).join(", "))
        return phase === "profile" ? { contacts: plan.profile, sync: run, ...costs } : { idleSyncs: plan.idleProfile, run, ...costs }
      }),
    (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
  )

const results: Record<string, unknown> = {
  mode: quick ? "quick" : "full",
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version },
  // A shared machine: the 1-minute load average at the start and after each phase says how busy it was.
  loadAverage: [loadavg()[0]],
  settings: { pageSize, contactsPerImport, schedulerConcurrency: 4, clientRateLimit: "raised out of the way" }
}

/** Writes what is measured so far (a long run that is stopped keeps its finished phases). */
const save = (phase: string, value: unknown) =>
  Effect.sync(() => {
    results[phase] = value
    ;(results["loadAverage"] as Array<number>).push(loadavg()[0]!)
    mkdirSync(resultsDir, { recursive: true })
    writeFileSync(join(resultsDir, `${name}.json`), JSON.stringify(results, null, 2) + "\n")
    writeFileSync(join(resultsDir, `${name}.svg`), svg(`autoimport benchmarks (${name}, ${String(results["date"]).slice(0, 10)})`, panels(results)))
    return value
  })

const label = (dialect: Dialect) => (dialect === "pg" ? "Postgres" : "SQLite")

const panels = (r: Record<string, unknown>): ReadonlyArray<Panel> => {
  const throughput = (r["throughput"] ?? []) as ReadonlyArray<Effect.Effect.Success<ReturnType<typeof throughputOf>>>
  const growth = (r["growth"] ?? []) as ReadonlyArray<SyncFigures & { readonly peakRssMib: number }>
  const upsertInto = (r["upsertInto"] ?? []) as ReadonlyArray<{ readonly dialect: Dialect; readonly runs: ReadonlyArray<SyncFigures & { readonly fill: number }> }>
  const imports = (r["imports"] ?? []) as ReadonlyArray<ImportsFigures>
  return [
    {
      title: "Sync throughput vs its ceilings",
      unit: "source contacts per second, median",
      groups: throughput.map((t) => ({
        label: label(t.dialect),
        bars: [
          { label: "end-to-end sync", value: t.median.endToEnd },
          { label: "raw undici fetch", value: t.median.fetch },
          { label: "raw multi-row upsert", value: t.median.upsert }
        ]
      }))
    },
    {
      title: "Initial import by source size (SQLite)",
      unit: "seconds; peak RSS in MiB",
      groups: growth.map((g) => ({
        label: `${g.contacts.toLocaleString("en-US")} contacts`,
        bars: [{ label: "seconds", value: g.seconds }, { label: "peak RSS MiB", value: g.peakRssMib }]
      }))
    },
    {
      title: `Sync of ${plan.fillSync.toLocaleString("en-US")} contacts into a filled account`,
      unit: "contacts per second",
      groups: upsertInto.map((u) => ({
        label: label(u.dialect),
        bars: u.runs.map((run) => ({ label: `${run.fill.toLocaleString("en-US")} held`, value: run.perSecond }))
      }))
    },
    {
      title: "Many imports (SQLite, 10 contacts each, 4 at a time)",
      unit: "CPU ms per sync; KiB heap per import",
      groups: imports.map((m) => ({
        label: `${m.imports.toLocaleString("en-US")}, ${m.driver}`,
        bars: [
          { label: "CPU ms, initial sync", value: m.initial.cpuMillisPerSync },
          { label: "CPU ms, incremental", value: m.incremental.cpuMillisPerSync },
          { label: "KiB heap per import", value: Math.max(0, m.heapPerImportKib) }
        ]
      }))
    }
  ]
}

const program = Effect.scoped(Effect.gen(function*() {
  const started = performance.now()
  yield* Console.log(`autoimport benchmarks (${quick ? "quick" : "full"}): Google Contacts fake on loopback in its own process, ` +
    `pages of ${pageSize}, client-side rate limit raised out of the way; previous figures from ` +
    (previous === undefined ? "no earlier run of this mode" : `bench/results/${name}.previous.json (${String(previous["date"])})`))
  const url = yield* spawnFake

  const incremental = yield* Effect.forEach(dialects, (dialect, i) => incrementalOf(url, dialect, 400 + i))
  yield* save("incremental", incremental)
  yield* Console.log(
    `\nimports one core can serve at the 30-minute pace (${Math.round((1 - changeShare) * 10)} in 10 syncs idle, 1 in 10 with ${changesPerSync} changes; CPU of the runner's process): ` +
      incremental.map((m) => `${label(m.dialect)} ${m.importsPerCore.toLocaleString("en-US")}${was((r) => previousOf<IncrementalFigures>("incremental", m.dialect)(r).importsPerCore, "", true)}`).join(", ")
  )
  yield* Console.log(`\n0. incremental syncs of a 1,000-contact import as the runner runs them (Scheduler.syncNow), CPU of this process`)
  for (const m of incremental) {
    yield* printCost(m.dialect, "idle", m.idle)
    yield* printCost(m.dialect, "changed", m.changed)
  }
  for (const m of incremental) {
    yield* Console.log(`  ${label(m.dialect)}, the statements of an idle sync:`)
    for (const [text, n] of m.idle.counted.statementKinds) yield* Console.log(`    ${n} × ${text}`)
  }

  yield* Console.log(`\n0b. SQL statements per page of ${pageSize} in a ${plan.pages.toLocaleString("en-US")}-contact initial sync (counted; BEGIN/COMMIT are 2 more round trips per transaction)`)
  yield* save(
    "statementsPerPage",
    yield* Effect.forEach(dialects, (dialect) =>
      Effect.tap(
        Effect.map(
          runChild<{ readonly pages: number; readonly inPageCalls: PerPage; readonly restOfRun: PerPage }>(
            "pages",
            { url, dialect, account: { seed: 500, size: plan.pages } }
          ),
          (p) => ({ dialect, ...p })
        ),
        (p) =>
          Effect.gen(function*() {
            const prev = previousOf<typeof p>("statementsPerPage", dialect)
            for (const part of ["inPageCalls", "restOfRun"] as const) {
              const q = p[part]
              yield* Console.log(
                `  ${label(dialect)}, ${part === "inPageCalls" ? "in the page's store calls (loadLinks, commitPage)" : "the rest of the run, spread over its pages"}: ` +
                  `${q.statements} statements per page${was((r) => prev(r)[part].statements)}, ` +
                  `${q.roundTrips} round trips with BEGIN/COMMIT${was((r) => prev(r)[part].roundTrips)} (${q.transactions} transactions per page, ${p.pages} pages)`
              )
              for (const [text, n] of q.statementKinds) yield* Console.log(`    ${n} × ${text}`)
            }
          })
      ))
  )

  yield* Console.log(`\n1. contacts per second, ${plan.throughput.toLocaleString("en-US")} contacts, median of ${plan.trials}`)
  yield* save("throughput", yield* Effect.forEach(dialects, (dialect) => throughputOf(url, dialect)))

  yield* Console.log("\n2. initial import by source size (SQLite, batch cap lifted, one process per size)")
  yield* save(
    "growth",
    yield* Effect.forEach(plan.growth, (size, i) =>
      Effect.tap(
        runChild<SyncFigures & { readonly peakRssMib: number; readonly rssBeforeMib: number }>("growth", { url, account: { seed: 100 + i, size } }),
        (g) =>
          Console.log(`  ${size.toLocaleString("en-US").padStart(9)}: ${g.seconds} s${was((r) => r.growth[i].seconds, " s")}, ${g.perSecond}/s${was((r) => r.growth[i].perSecond, "/s")}, ` +
            `${g.cpuMicrosPerContact} µs CPU per contact${was((r) => r.growth[i].cpuMicrosPerContact, " µs")}, ` +
            `peak RSS ${g.peakRssMib} MiB${was((r) => r.growth[i].peakRssMib, " MiB")} (${g.rssBeforeMib} MiB before the sync${was((r) => r.growth[i].rssBeforeMib, " MiB")})`)
      ))
  )

  yield* Console.log(`\n3. a ${plan.fillSync.toLocaleString("en-US")}-contact sync into an account holding 0 vs ${plan.fill.toLocaleString("en-US")} contacts`)
  yield* save(
    "upsertInto",
    yield* Effect.forEach(dialects, (dialect) =>
      Effect.map(
        Effect.forEach([0, plan.fill], (fill, i) =>
          Effect.tap(
            runChild<SyncFigures & { readonly fill: number }>("upsertInto", { url, dialect, fill, account: { seed: 200, size: plan.fillSync } }),
            (u) => {
              const prev = (r: any) => (previousOf<{ readonly dialect: Dialect; readonly runs: ReadonlyArray<SyncFigures> }>("upsertInto", dialect)(r)).runs[i]!
              return Console.log(`  ${dialect}, ${fill.toLocaleString("en-US").padStart(9)} held: ${u.seconds} s${was((r) => prev(r).seconds, " s")}, ${u.perSecond}/s${was((r) => prev(r).perSecond, "/s")}`)
            }
          )),
        (runs) => ({ dialect, runs })
      ))
  )

  yield* Console.log(`\n4. many imports (SQLite, ${contactsPerImport} contacts each, 4 at a time): by the runner's scheduler, then by the engine directly`)
  const importRuns = [
    ...plan.schedulerImports.map((count) => ({ count, driver: "scheduler" as const })),
    ...plan.engineImports.map((count) => ({ count, driver: "engine" as const }))
  ]
  yield* save(
    "imports",
    yield* Effect.forEach(importRuns, ({ count, driver }) =>
      Effect.tap(
        runChild<ImportsFigures>("imports", { url, count, contactsEach: contactsPerImport, driver }, ["--expose-gc"]),
        (m) => {
          const prev = (r: any) => (r.imports as ReadonlyArray<ImportsFigures>).find((x) => x.imports === count && x.driver === driver)!
          return Console.log(`  ${count.toLocaleString("en-US").padStart(6)} imports, ${driver}: CPU per sync ${m.initial.cpuMillisPerSync} ms initial${was((r) => prev(r).initial.cpuMillisPerSync, " ms")}, ` +
            `${m.incremental.cpuMillisPerSync} ms incremental${was((r) => prev(r).incremental.cpuMillisPerSync, " ms")}; ` +
            `per import ${m.heapPerImportKib} KiB heap${was((r) => prev(r).heapPerImportKib, " KiB")}, ${m.rssPerImportKib} KiB RSS${was((r) => prev(r).rssPerImportKib, " KiB")} ` +
            `(rounds took ${m.initial.wallSeconds} s${was((r) => prev(r).initial.wallSeconds, " s")} and ${m.incremental.wallSeconds} s${was((r) => prev(r).incremental.wallSeconds, " s")})`)
        }
      ))
  )

  yield* Console.log("\n5. CPU profile of the per-contact path")
  yield* save("profile", yield* profileOf(url, "profile"))
  yield* Console.log("\n5b. CPU profile of idle incremental syncs")
  yield* save("idleProfile", yield* profileOf(url, "idleProfile"))

  yield* save("seconds", Math.round(performance.now() - started) / 1000)
  yield* Console.log(`\nwrote bench/results/${name}.json and ${name}.svg in ${results["seconds"]} s${was((r) => r.seconds, " s")}` +
    (previous === undefined ? "" : `; the previous run is in ${name}.previous.json`))
}))

NodeRuntime.runMain(program)
