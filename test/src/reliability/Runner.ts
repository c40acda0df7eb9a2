/**
 * The built `autoimport` binary as child processes, in a scratch directory whose configuration
 * points the Google Contacts connector at a fake served by the test process. Used by the crash,
 * two-runner, secrets and bad-input suites. The test opens the same database (with the same
 * credentials key) to check what the processes left.
 */
import googleContacts from "@autoimport/connector-google-contacts"
import { type GoogleFake, type GoogleFakeOptions, makeGoogleFake } from "@autoimport/connector-google-contacts/fake"
import { serveFake } from "@autoimport/connector-kit/testing"
import type { ImportId } from "@autoimport/core/Domain"
import { Store, type StoreShape } from "@autoimport/core/Store"
import { SqlStore } from "@autoimport/store-sql"
import { pgTestUrl } from "@autoimport/store-sql/testing"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"

/** The runner package as this package depends on it (its exports do not include the binary). */
export const bin = path.join(import.meta.dirname, "..", "..", "node_modules", "@autoimport", "runner", "dist", "bin.js")

export type Dialect = "sqlite" | "postgres"

export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface Process {
  readonly child: ChildProcess
  readonly output: () => { readonly stdout: string; readonly stderr: string }
  readonly exited: Promise<Result>
}

/** The parent's environment without AUTOIMPORT_*: each test says exactly what the child gets. */
const baseEnv = () => Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AUTOIMPORT_"))) as Record<string, string>

export const start = (args: ReadonlyArray<string>, cwd: string, env: Readonly<Record<string, string>>): Process => {
  const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...baseEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] })
  const out = { stdout: "", stderr: "" }
  child.stdout!.on("data", (chunk) => (out.stdout += chunk))
  child.stderr!.on("data", (chunk) => (out.stderr += chunk))
  const exited = new Promise<Result>((resolve) => child.on("close", (code, signal) => resolve({ code, signal, ...out })))
  return { child, output: () => out, exited }
}

/** Runs one command to completion (killed after `timeoutMillis`). */
export const run = (args: ReadonlyArray<string>, cwd: string, env: Readonly<Record<string, string>>, timeoutMillis = 60_000) =>
  Effect.promise(() => {
    const p = start(args, cwd, env)
    const timer = setTimeout(() => p.child.kill("SIGKILL"), timeoutMillis)
    return p.exited.finally(() => clearTimeout(timer))
  })

/** A long-running command, SIGKILLed when the scope closes if still alive. */
export const spawnScoped = (args: ReadonlyArray<string>, cwd: string, env: Readonly<Record<string, string>>) =>
  Effect.acquireRelease(Effect.sync(() => start(args, cwd, env)), (p) =>
    Effect.promise(() => {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill("SIGKILL")
      return p.exited
    }))

export const scratchDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(path.join(tmpdir(), "autoimport-reliability-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)

export interface Sandbox {
  readonly cwd: string
  readonly fake: GoogleFake
  /** What every child gets: database, credentials key, fast scheduling. */
  readonly env: Readonly<Record<string, string>>
  readonly dialect: Dialect
  /** The database as the test opens it (SQLite file or Postgres URL). */
  readonly database: string
  readonly credentialsKey: string
  /** Runs a CLI command with the sandbox's environment (plus `env`); its output joins the transcript. */
  readonly cli: (args: ReadonlyArray<string>, env?: Readonly<Record<string, string>>) => Effect.Effect<Result>
  /** Everything the sandbox's processes printed (stdout and stderr), for the secrets check. */
  readonly transcript: Array<string>
  /** Creates an import through the CLI (with extra config, e.g. a contact group); returns its id. */
  readonly createImport: (extra?: Readonly<Record<string, unknown>>) => Effect.Effect<ImportId>
  /** The store the runners write, opened by the test (closed with the scope). */
  readonly openStore: Effect.Effect<{ readonly store: StoreShape; readonly sql: SqlClient.SqlClient }, never, Scope.Scope>
}

export interface SandboxOptions {
  readonly fake: GoogleFakeOptions
  readonly pageSize: number
  readonly batchCap: number
  /** Extra connector settings (e.g. `requestsPerMinute`). */
  readonly settings?: Readonly<Record<string, unknown>>
}

export const sandbox = (dialect: Dialect, options: SandboxOptions): Effect.Effect<Sandbox, never, Scope.Scope> =>
  Effect.gen(function*() {
    const cwd = yield* scratchDir
    const fake = makeGoogleFake(options.fake)
    const { url } = yield* serveFake(fake.handlers)
    writeFileSync(
      path.join(cwd, "autoimport.config.json"),
      JSON.stringify({
        connectors: [{
          package: "@autoimport/connector-google-contacts",
          settings: { ...fake.settings(url), pageSize: options.pageSize, requestsPerMinute: 60_000, ...options.settings }
        }]
      })
    )
    const credentialsKey = randomBytes(32).toString("base64")
    const database = dialect === "postgres" ? yield* pgTestUrl : path.join(cwd, "autoimport.db")
    const env = {
      AUTOIMPORT_DATABASE_URL: dialect === "postgres" ? database : `sqlite:${database}`,
      AUTOIMPORT_CREDENTIALS_KEY: credentialsKey,
      AUTOIMPORT_BATCH_CAP: String(options.batchCap),
      AUTOIMPORT_INTERVAL: "1s",
      AUTOIMPORT_JITTER: "0s",
      AUTOIMPORT_POLL_INTERVAL: "200ms",
      AUTOIMPORT_HTTP_PORT: "0"
    }
    const config = { clientId: fake.credentials.clientId, clientSecret: Redacted.value(fake.credentials.clientSecret), refreshToken: fake.refreshToken() }
    const transcript: Array<string> = []
    const cli = (args: ReadonlyArray<string>, extra: Readonly<Record<string, string>> = {}) =>
      Effect.tap(run(args, cwd, { ...env, ...extra }), (r) => void transcript.push(r.stdout, r.stderr))
    let imports = 0
    // Credentials go in a file (`--config @file`), as a user would pass them, never on the command line.
    const createImport = (extra: Readonly<Record<string, unknown>> = {}) =>
      Effect.flatMap(
        Effect.suspend(() => {
          const file = `import-${++imports}.json`
          writeFileSync(path.join(cwd, file), JSON.stringify({ ...config, ...extra }))
          return cli(["imports", "create", googleContacts.id, "--name", `import ${imports}`, "--config", `@${file}`, "--json"])
        }),
        (r) => (r.code === 0 ? Effect.succeed(JSON.parse(r.stdout).id as ImportId) : Effect.dieMessage(`imports create exited ${r.code}: ${r.stderr}`))
      )
    const openStore = Effect.gen(function*() {
      const key = Redacted.make(new Uint8Array(Buffer.from(credentialsKey, "base64")))
      const layer = dialect === "postgres"
        ? SqlStore.layerPg({ url: Redacted.make(database), credentialsKey: key })
        : SqlStore.layerSqlite({ filename: database, credentialsKey: key })
      const context = yield* Layer.build(Layer.orDie(layer))
      return { store: Context.get(context, Store), sql: Context.get(context, SqlClient.SqlClient) }
    })
    return { cwd, fake, env, dialect, database, credentialsKey, cli, transcript, createImport, openStore }
  })

/** Waits (real time) until the process's stderr matches; dies if it exits first or after `timeoutMillis`. */
export const waitFor = (p: Process, pattern: RegExp, timeoutMillis = 60_000) =>
  Effect.gen(function*() {
    for (const started = Date.now(); Date.now() - started < timeoutMillis;) {
      if (pattern.test(p.output().stderr)) return
      if (p.child.exitCode !== null || p.child.signalCode !== null) break
      yield* sleep(50)
    }
    return yield* Effect.dieMessage(`no ${pattern} on stderr of autoimport:\n${p.output().stderr}`)
  })

export const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
