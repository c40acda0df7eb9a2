/**
 * Loads the configured connector packages (DESIGN §6): resolves each package name from the
 * working directory (where an operator installs third-party connectors), falling back to the
 * runner's own dependencies for the built-in ones, or takes a path; imports it; checks that it
 * exports a connector built for this core; decodes its operator settings.
 */
import { Connector, Errors, Version } from "@autoimport/core"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import { createRequire } from "node:module"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { ConnectorSpec } from "./Config.js"

export class PluginNotFound extends Schema.TaggedError<PluginNotFound>()("PluginNotFound", {
  where: Schema.String,
  specifier: Schema.String,
  searched: Schema.Array(Schema.String)
}) {
  override get message() {
    return `${this.where}: connector package "${this.specifier}" was not found (looked in ${this.searched.join(", ")}); install it next to your configuration, or give a path`
  }
}

export class PluginLoadFailed extends Schema.TaggedError<PluginLoadFailed>()("PluginLoadFailed", {
  where: Schema.String,
  specifier: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.where}: "${this.specifier}" threw while loading: ${this.detail}`
  }
}

export class NotAConnector extends Schema.TaggedError<NotAConnector>()("NotAConnector", {
  where: Schema.String,
  specifier: Schema.String,
  exports: Schema.Array(Schema.String)
}) {
  override get message() {
    const found = this.exports.length === 0 ? "no exports" : `exports: ${this.exports.join(", ")}`
    return `${this.where}: "${this.specifier}" has no connector as its default export (${found}); a connector package exports the value of defineConnector(...) as default`
  }
}

export class DuplicateConnector extends Schema.TaggedError<DuplicateConnector>()("DuplicateConnector", {
  connectorId: Schema.String,
  first: Schema.String,
  second: Schema.String
}) {
  override get message() {
    return `connector id "${this.connectorId}" is loaded twice: by ${this.first} and by ${this.second}; configure each connector once`
  }
}

export class IncompatibleConnector extends Schema.TaggedError<IncompatibleConnector>()("IncompatibleConnector", {
  where: Schema.String,
  specifier: Schema.String,
  connectorId: Schema.String,
  builtWith: Schema.String,
  coreVersion: Schema.String
}) {
  override get message() {
    return `${this.where}: connector "${this.connectorId}" (${this.specifier}) was built for @autoimport/core ${this.builtWith}, which is not compatible with this runner's core ${this.coreVersion}; install a version of the connector built for core ${this.coreVersion}`
  }
}

export type PluginError =
  | PluginNotFound
  | PluginLoadFailed
  | NotAConnector
  | DuplicateConnector
  | IncompatibleConnector
  | Errors.InvalidConfig

const runnerDir = path.dirname(fileURLToPath(import.meta.url))

/** Loads every configured connector, in order, stopping at the first problem. */
export const loadAll = (
  specs: ReadonlyArray<ConnectorSpec>,
  options: { readonly cwd: string; readonly baseDir: string }
): Effect.Effect<ReadonlyArray<Connector.LoadedConnector>, PluginError> =>
  Effect.gen(function*() {
    const loaded: Array<Connector.LoadedConnector & { readonly where: string }> = []
    for (const spec of specs) {
      const connector = yield* loadOne(spec, options)
      const earlier = loaded.find((l) => l.connector.id === connector.id)
      if (earlier !== undefined) {
        return yield* new DuplicateConnector({ connectorId: connector.id, first: earlier.where, second: spec.where })
      }
      const settings = yield* Connector.decodeInput(connector.settings, `${spec.where}.settings (${connector.id})`, spec.settings ?? {})
      loaded.push({ connector, settings, where: spec.where })
    }
    return loaded.map(({ connector, settings }) => ({ connector, settings }))
  })

const loadOne = (spec: ConnectorSpec, options: { readonly cwd: string; readonly baseDir: string }) =>
  Effect.gen(function*() {
    const { specifier, where } = spec
    const file = isPath(specifier)
      ? resolvePath(path.resolve(options.baseDir, specifier))
      : resolvePackage(specifier, options.cwd) ?? resolvePackage(specifier, runnerDir)
    if (file === undefined) {
      return yield* new PluginNotFound({
        where,
        specifier,
        searched: isPath(specifier) ? [path.resolve(options.baseDir, specifier)] : [options.cwd, "the runner's own dependencies"]
      })
    }
    const module = yield* Effect.tryPromise({
      try: () => import(pathToFileURL(file).href) as Promise<Record<string, unknown>>,
      catch: (e) => new PluginLoadFailed({ where, specifier, detail: e instanceof Error ? e.message : String(e) })
    })
    const connector = [module.default, (module.default as Record<string, unknown> | undefined)?.default].find(Connector.isConnector)
    if (connector === undefined) {
      return yield* new NotAConnector({ where, specifier, exports: Object.keys(module) })
    }
    if (!Version.isCompatible(connector.coreVersion)) {
      return yield* new IncompatibleConnector({
        where,
        specifier,
        connectorId: connector.id,
        builtWith: String(connector.coreVersion),
        coreVersion: Version.coreVersion
      })
    }
    return connector
  })

const isPath = (specifier: string) =>
  specifier.startsWith(".") || path.isAbsolute(specifier) || specifier.startsWith("file:")

/** A file, or a package directory (its package.json says which file). */
const resolvePath = (target: string): string | undefined => {
  const absolute = target.startsWith("file:") ? fileURLToPath(target) : target
  if (!fs.existsSync(absolute)) return undefined
  return fs.statSync(absolute).isDirectory() ? packageEntry(absolute, ".") : absolute
}

/**
 * Node's resolution from `fromDir`. `require.resolve` finds the package but refuses an
 * ESM-only one (exports without a "require" or "default" condition); for those the entry is
 * read from the package's exports with the "import" condition, as `import` would.
 */
const resolvePackage = (specifier: string, fromDir: string): string | undefined => {
  const require = createRequire(path.join(fromDir, "noop.js"))
  try {
    return require.resolve(specifier)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") return undefined
  }
  const parts = specifier.split("/")
  const nameLength = specifier.startsWith("@") ? 2 : 1
  const name = parts.slice(0, nameLength).join("/")
  const subpath = parts.length > nameLength ? `./${parts.slice(nameLength).join("/")}` : "."
  for (const dir of require.resolve.paths(name) ?? []) {
    const packageDir = path.join(dir, name)
    if (fs.existsSync(path.join(packageDir, "package.json"))) return packageEntry(packageDir, subpath)
  }
  return undefined
}

const packageEntry = (packageDir: string, subpath: string): string | undefined => {
  const manifestPath = path.join(packageDir, "package.json")
  if (!fs.existsSync(manifestPath)) return fs.existsSync(path.join(packageDir, "index.js")) ? path.join(packageDir, "index.js") : undefined
  const manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8")) as { exports?: unknown; main?: string }
  const exportsField = manifest.exports
  const target = exportsField === undefined
    ? subpath === "." ? (manifest.main ?? "index.js") : subpath
    : pickCondition(
      typeof exportsField === "object" && exportsField !== null && Object.keys(exportsField).some((k) => k.startsWith("."))
        ? (exportsField as Record<string, unknown>)[subpath]
        : subpath === "." ? exportsField : undefined
    )
  return target === undefined ? undefined : path.join(packageDir, target)
}

const pickCondition = (target: unknown): string | undefined => {
  if (typeof target === "string") return target
  if (typeof target !== "object" || target === null) return undefined
  for (const condition of ["import", "node", "default"]) {
    const found = pickCondition((target as Record<string, unknown>)[condition])
    if (found !== undefined) return found
  }
  return undefined
}
