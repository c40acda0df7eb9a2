/**
 * What the runner image is made of, without Docker (none runs on these machines): the
 * Dockerfile's instructions read from the repository's `Dockerfile`, its `pnpm deploy --prod`
 * run into a temporary directory, and that directory started the way the image's ENTRYPOINT,
 * CMD, WORKDIR and ENV say, with the image's paths moved to temporary directories.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { type ChildProcess, spawn } from "node:child_process"
import * as fs from "node:fs"
import * as net from "node:net"
import * as os from "node:os"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..")

export interface Instruction {
  readonly keyword: string
  readonly args: string
}

/** The instructions of each stage (`FROM` starts one), continuation lines joined, comments dropped. */
export const parseDockerfile = (text: string): ReadonlyArray<ReadonlyArray<Instruction>> => {
  const stages: Array<Array<Instruction>> = []
  let pending = ""
  for (const line of text.split("\n")) {
    if (/^\s*#/.test(line)) continue
    pending += line.replace(/\\\s*$/, " ")
    if (/\\\s*$/.test(line)) continue
    const match = /^\s*(\S+)\s+([\s\S]*?)\s*$/.exec(pending)
    pending = ""
    if (match === null) continue
    const instruction = { keyword: match[1]!.toUpperCase(), args: match[2]! }
    if (instruction.keyword === "FROM") stages.push([])
    stages[stages.length - 1]?.push(instruction)
  }
  return stages
}

/** The image, as far as running it is concerned. */
export interface Image {
  /** The build stage's `pnpm deploy` command line, without its target directory. */
  readonly deploy: ReadonlyArray<string>
  /** Where the build stage deploys to, and where the final stage copies it. */
  readonly deployTarget: string
  /** The final stage's `COPY --from=build <copySource> <appDir>`. */
  readonly copySource: string
  readonly appDir: string
  readonly base: string
  readonly user: string
  readonly workdir: string
  readonly volumes: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
  readonly entrypoint: ReadonlyArray<string>
  readonly cmd: ReadonlyArray<string>
  readonly healthcheck: ReadonlyArray<string>
}

const only = (stage: ReadonlyArray<Instruction>, keyword: string): string => {
  const found = stage.filter((i) => i.keyword === keyword)
  if (found.length !== 1) throw new Error(`the Dockerfile's final stage has ${found.length} ${keyword} instructions, expected one`)
  return found[0]!.args
}

const jsonArray = (keyword: string, text: string): ReadonlyArray<string> => {
  const parsed: unknown = JSON.parse(text)
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === "string")) throw new Error(`${keyword} is not in exec form: ${text}`)
  return parsed
}

export const readImage = (): Image => {
  const stages = parseDockerfile(fs.readFileSync(path.join(repoRoot, "Dockerfile"), "utf8"))
  const final = stages[stages.length - 1]!
  const runs = stages.slice(0, -1).flat().filter((i) => i.keyword === "RUN" && /\bdeploy\b/.test(i.args))
  if (runs.length !== 1) throw new Error(`expected one RUN ... deploy in the build stage, found ${runs.length}`)
  const deployWords = runs[0]!.args.split(/\s+/).map((w) => w.replace(/^"(.*)"$/, "$1"))
  const copy = final.find((i) => i.keyword === "COPY" && i.args.startsWith("--from="))
  if (copy === undefined) throw new Error("the final stage copies nothing from the build stage")
  const [appSource, appDir] = copy.args.split(/\s+/).filter((w) => !w.startsWith("--"))
  const healthcheck = /\bCMD\s+(\[.*\])$/.exec(only(final, "HEALTHCHECK"))
  if (healthcheck === null) throw new Error("HEALTHCHECK has no CMD in exec form")
  const env: Record<string, string> = {}
  for (const instruction of final.filter((i) => i.keyword === "ENV")) {
    for (const pair of instruction.args.split(/\s+/)) {
      const [name, ...value] = pair.split("=")
      env[name!] = value.join("=")
    }
  }
  return {
    deploy: deployWords.slice(0, -1),
    deployTarget: deployWords[deployWords.length - 1]!,
    copySource: appSource!,
    appDir: appDir!,
    base: final[0]!.args,
    user: only(final, "USER"),
    workdir: only(final, "WORKDIR"),
    volumes: final.filter((i) => i.keyword === "VOLUME").flatMap((i) => i.args.split(/\s+/)),
    env,
    entrypoint: jsonArray("ENTRYPOINT", only(final, "ENTRYPOINT")),
    cmd: jsonArray("CMD", only(final, "CMD")),
    healthcheck: jsonArray("HEALTHCHECK", healthcheck[1]!)
  }
}

export interface ExitResult {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** A child process; `env` is its whole environment. Never blocks the test runner's event loop. */
export const exec = (
  command: string,
  args: ReadonlyArray<string>,
  options: { readonly cwd: string; readonly env: Readonly<Record<string, string>>; readonly timeoutMillis: number }
): Promise<ExitResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env, stdio: ["ignore", "pipe", "pipe"], timeout: options.timeoutMillis })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.once("error", (error) => reject(new Error(`${command} ${args.join(" ")}: ${error.message}`)))
    child.once("close", (code, signal) => resolve({ code, signal, stdout, stderr }))
  })

/**
 * The Dockerfile's deploy command into `target`, from the warm pnpm store (`--offline`: a test
 * must not reach for the network). Runs with the test's environment, like the build stage's shell.
 */
export const deploy = async (image: Image, target: string): Promise<void> => {
  const [command, ...args] = image.deploy
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AUTOIMPORT_"))) as Record<string, string>
  const result = await exec(command!, [...args, "--offline", target], { cwd: repoRoot, env, timeoutMillis: 5 * 60_000 })
  if (result.code !== 0) throw new Error(`${image.deploy.join(" ")} exited with ${result.code}:\n${result.stdout}\n${result.stderr}`)
}

/**
 * Every entry under `dir`, as paths relative to it, sorted. Symbolic links are listed, not
 * followed (`readdirSync`'s string form follows linked directories: pnpm's tree would be listed
 * about eight times over).
 */
export const entries = (dir: string): ReadonlyArray<fs.Dirent> =>
  fs.readdirSync(dir, { recursive: true, withFileTypes: true })

export const relative = (dir: string, entry: fs.Dirent): string => path.relative(dir, path.join(entry.parentPath, entry.name))

/** Every symbolic link under `dir` whose target lies outside it (a COPY would carry it dangling). */
export const linksLeaving = (dir: string): ReadonlyArray<string> => {
  const root = fs.realpathSync(dir)
  return entries(root)
    .filter((entry) => entry.isSymbolicLink())
    .map((entry) => path.join(entry.parentPath, entry.name))
    .filter((link) => {
      const target = path.resolve(path.dirname(link), fs.readlinkSync(link))
      return target !== root && !target.startsWith(root + path.sep)
    })
}

/** `cp -a`: links and modes kept, as COPY --from keeps them (and much faster than fs.cpSync). */
export const copy = async (from: string, to: string): Promise<void> => {
  const result = await exec("cp", ["-a", from, to], { cwd: os.tmpdir(), env: { PATH: process.env.PATH ?? "/usr/bin:/bin" }, timeoutMillis: 5 * 60_000 })
  if (result.code !== 0) throw new Error(`cp -a ${from} ${to} exited with ${result.code}: ${result.stderr}`)
}

/** A free TCP port on loopback (the healthcheck needs the port before the runner starts). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })

/** A scratch directory, removed when the scope closes. */
export const tempDir = (prefix: string): Effect.Effect<string, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => fs.mkdtempSync(path.join(os.tmpdir(), `autoimport-${prefix}-`))),
    (dir) => Effect.sync(() => fs.rmSync(dir, { recursive: true, force: true }))
  )

export interface Container {
  readonly child: ChildProcess
  readonly output: () => { readonly stdout: string; readonly stderr: string }
  /** Resolves when the process has exited (killed when the scope closes if still running). */
  readonly exited: Promise<ExitResult>
}

/** The image's ENTRYPOINT + CMD (or `args` instead of CMD), `node` being this Node. */
export const start = (
  image: Image,
  bundle: string,
  env: Readonly<Record<string, string>>,
  args: ReadonlyArray<string> = image.cmd
): Effect.Effect<Container, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.sync(() => {
      const [program, ...rest] = [...image.entrypoint, ...args].map((arg) => inBundle(image, bundle, arg))
      const child = spawn(program === "node" ? process.execPath : program!, rest, {
        cwd: inBundle(image, bundle, image.workdir),
        env,
        stdio: ["ignore", "pipe", "pipe"]
      })
      const out = { stdout: "", stderr: "" }
      child.stdout!.on("data", (chunk) => (out.stdout += chunk))
      child.stderr!.on("data", (chunk) => (out.stderr += chunk))
      const exited = new Promise<ExitResult>((resolve) => child.once("close", (code, signal) => resolve({ code, signal, ...out })))
      return { child, output: () => out, exited }
    }),
    ({ child }) => Effect.sync(() => (child.exitCode === null && child.signalCode === null ? void child.kill("SIGKILL") : undefined))
  )

/** A path of the image's app directory, moved to where the bundle was copied. */
const inBundle = (image: Image, bundle: string, arg: string) =>
  arg === image.appDir || arg.startsWith(image.appDir + "/") ? bundle + arg.slice(image.appDir.length) : arg

/** Waits for the exit, failing after `millis` (the process is then killed by its scope). */
export const exitWithin = (container: Container, millis: number): Effect.Effect<ExitResult, Error> =>
  Effect.tryPromise({ try: () => container.exited, catch: (e) => e as Error }).pipe(
    Effect.timeoutFail({
      duration: millis,
      onTimeout: () => new Error(`no exit within ${millis} ms:\n${container.output().stderr}`)
    })
  )

/** The image's HEALTHCHECK command, with the given environment. */
export const healthcheck = (image: Image, env: Readonly<Record<string, string>>): Promise<ExitResult> => {
  const [program, ...args] = image.healthcheck
  return exec(program === "node" ? process.execPath : program!, args, { cwd: os.tmpdir(), env, timeoutMillis: 30_000 })
}
