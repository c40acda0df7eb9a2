/**
 * `npm run bench [-- --quick]`: the benchmarks of docs/performance.md. Every measurement runs in
 * a child process of its own against the Google Contacts fake, itself in another process, on
 * loopback. Prints the figures, and writes them as JSON and an SVG chart to bench/results/.
 */
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs"
import { cpus, loadavg, tmpdir, totalmem } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { median, pageSize, runChild, spawnFake } from "./Bench.js"
import { type Panel, svg } from "./Chart.js"
import type { Dialect } from "./child.js"
import type { SyncFigures } from "./Growth.js"
import type { Driver } from "./Imports.js"
import { topCosts } from "./Profile.js"
import type { Trial } from "./Throughput.js"

const quick = process.argv.includes("--quick")

/** Sizes per mode: the full run fits in 15 minutes on 2 cores, the quick one in 2. */
const plan = quick
  ? { throughput: 3_000, trials: 3, growth: [1_000, 5_000, 20_000], fill: 50_000, fillSync: 1_000, schedulerImports: [10, 100], engineImports: [100, 300], profile: 10_000 }
  : {
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
    yield* Console.log(
      `${dialect}: end-to-end ${endToEnd}/s, fetch ceiling ${fetch}/s, upsert ceiling ${upsert}/s — ` +
        `end-to-end is ${percent(endToEnd, lower)}% of the lower ceiling (${fetch <= upsert ? "fetch" : "upsert"}); ` +
        `the sync used ${cpuMicrosPerContact} µs of CPU per contact and spent ${percent(storeShare, 1)}% of its time in the store`
    )
    return {
      dialect,
      trials,
      median: { endToEnd, fetch, upsert, storeShare, cpuMicrosPerContact },
      lowerCeiling: fetch <= upsert ? "fetch" : "upsert",
      ratio: Math.round((endToEnd / lower) * 100) / 100
    }
  })

/** The growth child of `size` under `node --cpu-prof`, and its top self-time costs. */
const profileOf = (url: string) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(tmpdir(), "autoimport-prof-"))),
    (dir) =>
      Effect.gen(function*() {
        const run = yield* runChild<SyncFigures>("growth", { url, account: { seed: 300, size: plan.profile } }, ["--cpu-prof", `--cpu-prof-dir=${dir}`])
        const costs = topCosts(join(dir, readdirSync(dir)[0]!), 25)
        yield* Console.log(`profile of a ${plan.profile.toLocaleString("en-US")}-contact sync (${costs.busyMillis} ms busy), top self time:`)
        for (const f of costs.functions.slice(0, 15)) yield* Console.log(`  ${String(f.percent).padStart(5)}%  ${f.name}`)
        yield* Console.log("  by package: " + costs.packages.map((p) => `${p.name} ${p.percent}%`).join(", "))
        return { contacts: plan.profile, sync: run, ...costs }
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
    const name = quick ? "quick" : "full"
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
    `pages of ${pageSize}, client-side rate limit raised out of the way`)
  const url = yield* spawnFake

  yield* Console.log(`\n1. contacts per second, ${plan.throughput.toLocaleString("en-US")} contacts, median of ${plan.trials}`)
  yield* save("throughput", yield* Effect.forEach(dialects, (dialect) => throughputOf(url, dialect)))

  yield* Console.log("\n2. initial import by source size (SQLite, batch cap lifted, one process per size)")
  yield* save(
    "growth",
    yield* Effect.forEach(plan.growth, (size, i) =>
      Effect.tap(
        runChild<SyncFigures & { readonly peakRssMib: number; readonly rssBeforeMib: number }>("growth", { url, account: { seed: 100 + i, size } }),
        (g) =>
          Console.log(`  ${size.toLocaleString("en-US").padStart(9)}: ${g.seconds} s, ${g.perSecond}/s, ${g.cpuMicrosPerContact} µs CPU per contact, ` +
            `peak RSS ${g.peakRssMib} MiB (${g.rssBeforeMib} MiB before the sync)`)
      ))
  )

  yield* Console.log(`\n3. a ${plan.fillSync.toLocaleString("en-US")}-contact sync into an account holding 0 vs ${plan.fill.toLocaleString("en-US")} contacts`)
  yield* save(
    "upsertInto",
    yield* Effect.forEach(dialects, (dialect) =>
      Effect.map(
        Effect.forEach([0, plan.fill], (fill) =>
          Effect.tap(
            runChild<SyncFigures & { readonly fill: number }>("upsertInto", { url, dialect, fill, account: { seed: 200, size: plan.fillSync } }),
            (u) => Console.log(`  ${dialect}, ${fill.toLocaleString("en-US").padStart(9)} held: ${u.seconds} s, ${u.perSecond}/s`)
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
        (m) =>
          Console.log(`  ${count.toLocaleString("en-US").padStart(6)} imports, ${driver}: CPU per sync ${m.initial.cpuMillisPerSync} ms initial, ` +
            `${m.incremental.cpuMillisPerSync} ms incremental; per import ${m.heapPerImportKib} KiB heap, ${m.rssPerImportKib} KiB RSS ` +
            `(rounds took ${m.initial.wallSeconds} s and ${m.incremental.wallSeconds} s)`)
      ))
  )

  yield* Console.log("\n5. CPU profile of the per-contact path")
  yield* save("profile", yield* profileOf(url))

  yield* save("seconds", Math.round(performance.now() - started) / 1000)
  const name = quick ? "quick" : "full"
  yield* Console.log(`\nwrote bench/results/${name}.json and ${name}.svg in ${results["seconds"]} s`)
}))

NodeRuntime.runMain(program)
