/**
 * Helpers for the packed-tarball test: pack workspace packages as they would be published,
 * scaffold and pack a connector, install tarballs into a directory outside the workspace (as an
 * operator would), and run the built `autoimport` binary there.
 */
import { spawn } from "node:child_process"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..")
const createConnector = path.join(repoRoot, "packages", "create-connector")
const runnerBin = path.join(repoRoot, "runner", "dist", "bin.js")

export interface RunResult {
  readonly status: number | null
  readonly stdout: string
  readonly stderr: string
}

/**
 * A child process, awaited. Asynchronous on purpose: installs take many seconds, and a blocked
 * event loop would starve the test runner's worker (its RPC times out).
 */
const exec = (command: string, args: ReadonlyArray<string>, cwd: string, timeoutMillis = 5 * 60_000): Promise<RunResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env: withoutAutoimportVariables(), stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMillis })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += chunk))
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.once("error", (error) => reject(new Error(`${command} ${args.join(" ")} (in ${cwd}): ${error.message}`)))
    child.once("close", (status) => resolve({ status, stdout, stderr }))
  })

/** `exec`, failing with the command's output unless it exits with 0. */
const run = async (command: string, args: ReadonlyArray<string>, cwd: string): Promise<string> => {
  const result = await exec(command, args, cwd)
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} (in ${cwd}) exited with ${result.status}:\n${result.stdout}\n${result.stderr}`)
  }
  return result.stdout
}

/**
 * The test's own environment minus `AUTOIMPORT_*` (test database URLs and the like): the runner
 * rejects variables it does not know, and an operator's shell would not have them.
 */
const withoutAutoimportVariables = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith("AUTOIMPORT_")))

/** The tarball a pack command wrote into its own fresh directory (their output holds more than its name). */
const tarballIn = (dir: string): string => {
  const [tarball, ...more] = fs.readdirSync(dir).filter((f) => f.endsWith(".tgz"))
  if (tarball === undefined || more.length > 0) throw new Error(`expected one tarball in ${dir}, found ${fs.readdirSync(dir).join(", ") || "none"}`)
  return path.join(dir, tarball)
}

/** `pnpm pack` of a workspace package (its `workspace:` ranges become versions); returns the tarball. */
export const packWorkspacePackage = async (relativeDir: string, destination: string): Promise<string> => {
  const out = fs.mkdtempSync(path.join(destination, "pack-"))
  await run("npx", ["-y", "pnpm@12.4.2", "pack", "--pack-destination", out], path.join(repoRoot, relativeDir))
  return tarballIn(out)
}

/** Runs the scaffolder as an author would (`npx @autoimport/create-connector <id> --dir <dir>`). */
export const scaffold = async (id: string, dir: string, name: string): Promise<void> => {
  fs.mkdirSync(path.dirname(dir), { recursive: true })
  await run(process.execPath, [path.join(createConnector, "dist", "bin.js"), id, "--dir", dir, "--name", name], path.dirname(dir))
}

/**
 * `npm pack` of a scaffolded connector; its `prepack` builds it. Its dependencies are linked from
 * create-connector, which compiles the template with exactly those versions; `npm install` in
 * the scaffold would fetch `@autoimport/*` from the registry, where they are not published yet.
 */
export const buildAndPackConnector = async (dir: string, destination: string): Promise<string> => {
  const modules = path.join(dir, "node_modules")
  fs.symlinkSync(path.join(createConnector, "node_modules"), modules, "dir")
  try {
    return await packDirectory(dir, destination, [])
  } finally {
    fs.unlinkSync(modules)
  }
}

const packDirectory = async (dir: string, destination: string, extra: ReadonlyArray<string>): Promise<string> => {
  const out = fs.mkdtempSync(path.join(destination, "pack-"))
  await run("npm", ["pack", "--pack-destination", out, ...extra], dir)
  return tarballIn(out)
}

/**
 * A copy of a packed package with its manifest (and files) edited, packed again: how a test
 * makes "the same package, built for another version" without a registry.
 */
export const repack = async (
  tarball: string,
  destination: string,
  edit: (manifest: Record<string, any>, packageDir: string) => void
): Promise<string> => {
  const work = fs.mkdtempSync(path.join(destination, "repack-"))
  await run("tar", ["-xzf", tarball, "-C", work], work)
  const packageDir = path.join(work, "package")
  const manifestPath = path.join(packageDir, "package.json")
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"))
  edit(manifest, packageDir)
  fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2))
  // The package is built already: no prepack.
  return packDirectory(packageDir, destination, ["--ignore-scripts"])
}

/**
 * An operator's directory: `npm install` of the tarballs; third-party dependencies come from the
 * registry through npm's cache. Returns how long the install took.
 */
export const installTarballs = async (dir: string, tarballs: ReadonlyArray<string>): Promise<number> => {
  fs.mkdirSync(dir, { recursive: true })
  fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "operator", private: true, type: "module" }, null, 2))
  const started = Date.now()
  // No install scripts: nothing here is native, and msw's postinstall only copies a browser worker.
  await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--ignore-scripts", ...tarballs], dir)
  return Date.now() - started
}

/** The built runner, with the working directory where an operator installed the connectors. */
export const autoimport = (cwd: string, args: ReadonlyArray<string>): Promise<RunResult> =>
  exec(process.execPath, [runnerBin, ...args], cwd, 2 * 60_000)

/** `autoimport ... --json`, parsed; any failure shows the runner's stderr. */
export const autoimportJson = async <A>(cwd: string, args: ReadonlyArray<string>): Promise<A> => {
  const result = await autoimport(cwd, [...args, "--json"])
  if (result.status !== 0) throw new Error(`autoimport ${args.join(" ")} exited with ${result.status}:\n${result.stderr}`)
  return JSON.parse(result.stdout) as A
}

export interface ServedFake<Info> {
  readonly info: Info
  readonly stop: () => Promise<void>
}

/**
 * Runs `script` (an ES module written into `dir`, so it resolves the installed packages) with
 * node; it prints one JSON line when its fake is listening. Own process: the installed packages
 * then load as one module graph, as they would for an operator.
 */
export const serveFromDirectory = <Info>(dir: string, script: string): Promise<ServedFake<Info>> => {
  const file = path.join(dir, "serve-fake.mjs")
  fs.writeFileSync(file, script)
  const child = spawn(process.execPath, [file], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once("exit", () => resolve())
      child.kill("SIGTERM")
    })
  return new Promise((resolve, reject) => {
    let stdout = ""
    let stderr = ""
    child.stderr.on("data", (chunk) => (stderr += chunk))
    child.stdout.on("data", (chunk) => {
      stdout += chunk
      const line = stdout.split("\n")[0]
      if (stdout.includes("\n") && line !== undefined) resolve({ info: JSON.parse(line) as Info, stop })
    })
    child.once("exit", (code) => reject(new Error(`the fake exited with ${code} before listening:\n${stderr}`)))
  })
}
