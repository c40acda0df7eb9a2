/**
 * Drives the built `autoimport` binary as a child process (real time, bounded by timeouts).
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import * as path from "node:path"

export const bin = path.join(import.meta.dirname, "..", "..", "dist", "bin.js")

if (!existsSync(bin)) throw new Error(`${bin} is missing: build the runner first (turbo runs build before test)`)

export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

export interface Options {
  readonly cwd: string
  readonly env?: Readonly<Record<string, string>>
  readonly timeout?: Duration.DurationInput
  /** Run as this user and group (tests of file permissions, which root ignores). */
  readonly user?: { readonly uid: number; readonly gid: number }
}

/** The parent's environment without AUTOIMPORT_* (the tests say exactly what the child gets). */
const baseEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith("AUTOIMPORT_"))) as Record<string, string>

const start = (args: ReadonlyArray<string>, options: Options) =>
  spawn(process.execPath, [bin, ...args], {
    cwd: options.cwd,
    env: { ...baseEnv(), ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
    ...(options.user === undefined ? {} : options.user)
  })

const collect = (child: ChildProcess) => {
  const out = { stdout: "", stderr: "" }
  child.stdout!.on("data", (chunk) => (out.stdout += chunk))
  child.stderr!.on("data", (chunk) => (out.stderr += chunk))
  return out
}

const exited = (child: ChildProcess, out: { stdout: string; stderr: string }, timeout: Duration.DurationInput) =>
  Effect.async<Result, Error>((resume) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL")
      resume(Effect.fail(new Error(`autoimport did not exit within ${Duration.format(timeout)}\nstderr: ${out.stderr}`)))
    }, Duration.toMillis(timeout))
    child.on("close", (code, signal) => {
      clearTimeout(timer)
      resume(Effect.succeed({ code, signal, ...out }))
    })
    return Effect.sync(() => {
      clearTimeout(timer)
      child.kill("SIGKILL")
    })
  })

/** Runs one command to completion. */
export const run = (args: ReadonlyArray<string>, options: Options): Effect.Effect<Result, Error> =>
  Effect.suspend(() => {
    const child = start(args, options)
    return exited(child, collect(child), options.timeout ?? "60 seconds")
  })

/** Runs one command that must succeed and print JSON. */
export const json = <A = any>(args: ReadonlyArray<string>, options: Options): Effect.Effect<A, Error> =>
  Effect.flatMap(run([...args, "--json"], options), (result) =>
    result.code === 0
      ? Effect.try({ try: () => JSON.parse(result.stdout) as A, catch: () => new Error(`not JSON: ${result.stdout}\n${result.stderr}`) })
      : Effect.fail(new Error(`autoimport ${args.join(" ")} exited ${result.code}\n${result.stderr}`)))

export interface Running {
  readonly child: ChildProcess
  readonly output: () => { readonly stdout: string; readonly stderr: string }
  /** Waits (real time) until stderr matches, or fails after `timeout`. */
  readonly waitFor: (pattern: RegExp, timeout?: Duration.DurationInput) => Effect.Effect<RegExpMatchArray, Error>
  readonly signal: (signal: NodeJS.Signals) => Effect.Effect<void>
  readonly exit: (timeout?: Duration.DurationInput) => Effect.Effect<Result, Error>
}

/** A long-running command (`run`, `demo`), killed when the scope closes if still alive. */
export const spawnScoped = (args: ReadonlyArray<string>, options: Options): Effect.Effect<Running, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const child = start(args, options)
      const out = collect(child)
      let result: Promise<Result> | undefined
      const exit = (timeout: Duration.DurationInput = "30 seconds") =>
        Effect.suspend(() => {
          if (child.exitCode !== null || child.signalCode !== null) {
            return Effect.succeed<Result>({ code: child.exitCode, signal: child.signalCode, ...out })
          }
          result ??= Effect.runPromise(exited(child, out, timeout))
          return Effect.tryPromise({ try: () => result!, catch: (e) => e as Error })
        })
      const running: Running = {
        child,
        output: () => out,
        waitFor: (pattern, timeout = "30 seconds") =>
          Effect.suspend(() => {
            const match = out.stderr.match(pattern)
            if (match) return Effect.succeed(match)
            if (child.exitCode !== null) return Effect.fail(new Error(`exited ${child.exitCode} before ${pattern}: ${out.stderr}`))
            return Effect.fail(new Error("not yet"))
          }).pipe(
            Effect.retry({ while: (e) => e.message === "not yet", schedule: Schedule.spaced("100 millis") }),
            Effect.timeoutFail({ duration: timeout, onTimeout: () => new Error(`no ${pattern} on stderr within ${Duration.format(timeout)}:\n${out.stderr}`) })
          ),
        signal: (signal) => Effect.sync(() => void child.kill(signal)),
        exit
      }
      return running
    }),
    ({ child }) => Effect.sync(() => (child.exitCode === null && child.signalCode === null ? void child.kill("SIGKILL") : undefined))
  )

/** A scratch working directory, removed when the scope closes. */
export const scratchDir: Effect.Effect<string, never, Scope.Scope> = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(path.join(tmpdir(), "autoimport-cli-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
)
