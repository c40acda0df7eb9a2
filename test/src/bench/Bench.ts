/**
 * What the benchmarks share: the fake's process, child processes that report one JSON result,
 * the engine wired as the runner wires it (under the live clock), timing and medians.
 */
import googleContacts from "@autoimport/connector-google-contacts"
import type { GoogleFake } from "@autoimport/connector-google-contacts/fake"
import { AccountId, type ImportId } from "@autoimport/core/Domain"
import type { Store, StoreShape } from "@autoimport/core/Store"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import type * as Scope from "effect/Scope"
import { spawn } from "node:child_process"
import { createInterface } from "node:readline"
import { fileURLToPath } from "node:url"
import { request } from "undici"
import { type EngineHarness, makeHarness } from "../Harness.js"
import { type FakeAccount, fakeOf, registerPath } from "./FakeServer.js"

/** A sync with the batch cap lifted: the whole source in one run. */
export const uncapped = Number.MAX_SAFE_INTEGER

/** The largest page the People API serves. */
export const pageSize = 1000

/**
 * Connector settings for the fake at `url`. The client-side rate limit (default 90 requests a
 * minute, Google's quota) is raised out of the way: the benchmarks measure our side, not the quota.
 */
export const googleSettings = (url: string) =>
  Schema.decodeUnknownSync(googleContacts.settings)({ baseUrl: url, tokenUrl: `${url}/token`, pageSize, requestsPerMinute: 1_000_000_000 })

/** The encoded import config of an account: its fake's valid grant. */
export const configOf = (fake: GoogleFake) => Schema.encodeSync(googleContacts.config)({ ...fake.credentials })

/** Makes the served fake hold these accounts (it serves only registered ones). */
export const register = (url: string, accounts: ReadonlyArray<FakeAccount>) =>
  Effect.promise(async () => {
    const response = await request(`${url}${registerPath}`, { method: "POST", body: JSON.stringify(accounts) })
    await response.body.dump()
    if (response.statusCode !== 204) throw new Error(`registering fake accounts: HTTP ${response.statusCode}`)
  })

/** The engine as the runner wires it, talking to the fake at `url`, over `store` or the `Store` in context. */
export const engineFor = (url: string, store?: StoreShape): Effect.Effect<EngineHarness, never, Store | Scope.Scope> =>
  makeHarness([{ connector: googleContacts, settings: googleSettings(url) }], store)

/** An import of the fake account into our account `accountId` (created with its list). */
export const importOf = (h: EngineHarness, accountId: string, account: FakeAccount): Effect.Effect<ImportId> =>
  Effect.map(
    h.createImport({
      accountId: AccountId.make(accountId),
      connector: googleContacts,
      name: `bench ${account.seed}x${account.size}`,
      config: configOf(fakeOf(account))
    }),
    (created) => created.importId
  )

/** One sync of the whole source under the live clock; fails unless it caught up. */
export const syncAll = (h: EngineHarness, importId: ImportId) =>
  Effect.flatMap(h.engine.sync(importId, { batchCap: uncapped, owner: "bench" }), ({ run }) =>
    run.outcome === "caught-up"
      ? Effect.succeed(run)
      : Effect.dieMessage(`bench sync ended ${run.outcome}: ${run.stopTag} ${run.message}`)).pipe(Effect.orDie)

/** Wall-clock milliseconds the effect took, its result, and the CPU milliseconds (user + system) of this process meanwhile. */
export const timed = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<readonly [number, A, number], E, R> =>
  Effect.suspend(() => {
    const start = performance.now()
    const cpu = process.cpuUsage()
    return Effect.map(effect, (a) => {
      const used = process.cpuUsage(cpu)
      return [performance.now() - start, a, (used.user + used.system) / 1000] as const
    })
  })

export const median = (values: ReadonlyArray<number>): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}

export const perSecond = (count: number, millis: number) => Math.round((count * 1000) / millis)

export const mib = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10

/** Peak resident set of this process so far, in MiB. */
export const peakRssMib = () => mib(process.resourceUsage().maxRSS * 1024)

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))

/** The fake in a process of its own, for the scope; its base URL. */
export const spawnFake: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.async<{ readonly url: string; readonly kill: () => void }>((resume) => {
    const child = spawn(process.execPath, [here("./fake.js")], { stdio: ["ignore", "pipe", "inherit"] })
    createInterface({ input: child.stdout }).once("line", (line) => {
      resume(Effect.succeed({ url: (JSON.parse(line) as { url: string }).url, kill: () => child.kill() }))
    })
    child.once("exit", (code) => resume(Effect.dieMessage(`the fake exited with ${code} before serving`)))
  }),
  (fake) => Effect.sync(fake.kill)
).pipe(Effect.map((fake) => fake.url))

/**
 * Runs `child.js <task> <args as JSON>` in a fresh Node process (so its memory and CPU figures
 * are its own) and returns the JSON the child prints as its last line of stdout.
 */
export const runChild = <A>(task: string, args: unknown, nodeArgs: ReadonlyArray<string> = []): Effect.Effect<A> =>
  Effect.async<A>((resume) => {
    const child = spawn(process.execPath, [...nodeArgs, here("./child.js"), task, JSON.stringify(args)], {
      stdio: ["ignore", "pipe", "inherit"]
    })
    let last = ""
    createInterface({ input: child.stdout }).on("line", (line) => {
      if (line.trim() !== "") last = line
    })
    child.once("close", (code) => {
      resume(code === 0 ? Effect.sync(() => JSON.parse(last) as A) : Effect.dieMessage(`bench child ${task} exited with ${code}`))
    })
  })

/** A child's entry: runs the task and prints its result as one JSON line. */
export const report = (result: unknown) => Effect.sync(() => process.stdout.write(JSON.stringify(result) + "\n"))
