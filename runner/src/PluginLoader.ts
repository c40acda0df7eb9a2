/**
 * Loads the configured connector packages (docs/design.md §6): resolves each package name from the
 * working directory (where an operator installs third-party connectors), falling back to the
 * runner's own dependencies for the built-in ones, or takes a path; imports it; checks that it
 * exports a connector made for this core, by what it was built with and by the range its
 * package.json declares; takes its version from that package.json; warns about a second copy of
 * the core; decodes its operator settings.
 */
import { Connector, Errors, Version } from "@autoimport/core"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as path from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import type { ConnectorSpec } from "./Config.js"
import * as ConnectorShape from "./internal/connectorShape.js"
import * as Manifest from "./internal/manifest.js"
import { isPath, type Resolved, resolvePackage, resolvePath } from "./internal/resolve.js"

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
    return `${this.where}: "${this.specifier}" could not be loaded: ${this.detail}`
  }
}

export class NotAConnector extends Schema.TaggedError<NotAConnector>()("NotAConnector", {
  where: Schema.String,
  specifier: Schema.String,
  exports: Schema.Array(Schema.String),
  /** What is wrong with the default export, each missing or mistyped member named; empty when there is none. */
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    const found = this.problems.length > 0
      ? this.problems.join("; ")
      : `there is no default export (${this.exports.length === 0 ? "no exports" : `exports: ${this.exports.join(", ")}`})`
    return `${this.where}: "${this.specifier}" has no connector as its default export: ${found}; a connector package exports the value of defineConnector(...) as default`
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
  /** The core version `defineConnector` stamped, when it is not compatible. */
  builtWith: Schema.optional(Schema.String),
  /** The `@autoimport/core` range of the package.json, when the running core is outside it. */
  declared: Schema.optional(Schema.Struct({
    range: Schema.String,
    field: Schema.String,
    manifest: Schema.String,
    valid: Schema.Boolean
  })),
  coreVersion: Schema.String
}) {
  override get message() {
    const reasons: Array<string> = []
    if (this.builtWith !== undefined) reasons.push(`was built for @autoimport/core ${this.builtWith}`)
    if (this.declared !== undefined) {
      const { field, manifest, range, valid } = this.declared
      reasons.push(`declares @autoimport/core "${range}" (${field} of ${manifest}${valid ? "" : ", not a semver range"})`)
    }
    // npm refuses a peer range it cannot meet; such a package got in with --legacy-peer-deps or --force.
    const hint = this.declared?.field === "peerDependencies" && this.declared.valid && this.builtWith === undefined
      ? " (npm installs it only with --legacy-peer-deps or --force)"
      : ""
    return `${this.where}: connector "${this.connectorId}" (${this.specifier}) ${reasons.join(" and ")}, which is not compatible with this runner's core ${this.coreVersion}${hint}; install a version of the connector built for core ${this.coreVersion}`
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

interface Loaded extends Connector.LoadedConnector {
  readonly where: string
  /** Copies of the core that appeared while this connector was imported. */
  readonly cores: ReadonlyArray<Version.LoadedCopy>
}

/** Loads every configured connector, in order, stopping at the first problem. */
export const loadAll = (
  specs: ReadonlyArray<ConnectorSpec>,
  options: { readonly cwd: string; readonly baseDir: string }
): Effect.Effect<ReadonlyArray<Connector.LoadedConnector>, PluginError> =>
  Effect.gen(function*() {
    const loaded: Array<Loaded> = []
    for (const spec of specs) {
      const before = Version.loadedCopies()
      const connector = yield* loadOne(spec, options)
      const cores = Version.loadedCopies().filter((copy) => !before.some((b) => b.file === copy.file))
      const earlier = loaded.find((l) => l.connector.id === connector.id)
      if (earlier !== undefined) {
        return yield* new DuplicateConnector({ connectorId: connector.id, first: earlier.where, second: spec.where })
      }
      const settings = yield* Connector.decodeInput(connector.settings, `${spec.where}.settings (${connector.id})`, spec.settings ?? {})
      loaded.push({ connector, settings, where: spec.where, cores })
    }
    yield* warnAboutOtherCores(loaded)
    return loaded.map(({ connector, settings }) => ({ connector, settings }))
  })

/**
 * A second copy of the core still loads (the checks above passed for it), but its error classes
 * and service tags are not the runner's: say which connector brought it and where both are.
 */
const warnAboutOtherCores = (loaded: ReadonlyArray<Loaded>) =>
  Effect.forEach(Version.loadedCopies().filter((copy) => copy.file !== Version.self.file), (copy) => {
    const by = loaded.find((l) => l.cores.some((c) => c.file === copy.file))
    const who = by === undefined ? "something loaded before the connectors" : `${by.where} (connector "${by.connector.id}")`
    return Effect.logWarning(
      `${who} loads its own copy of @autoimport/core ${copy.version} from ${copy.file}, besides the runner's ${Version.self.version} from ${Version.self.file}; ` +
        "install the connector next to the runner with @autoimport/core as a peer dependency, so that there is one core"
    )
  }, { discard: true })

const loadOne = (spec: ConnectorSpec, options: { readonly cwd: string; readonly baseDir: string }) =>
  Effect.gen(function*() {
    const { specifier, where } = spec
    const resolved = yield* Effect.try({
      try: (): Resolved | undefined =>
        isPath(specifier)
          ? resolvePath(path.resolve(options.baseDir, specifier))
          : resolvePackage(specifier, options.cwd) ?? resolvePackage(specifier, runnerDir),
      // A package.json that is not JSON (the error names the file).
      catch: (e) => new PluginLoadFailed({ where, specifier, detail: e instanceof Error ? e.message : String(e) })
    })
    if (resolved === undefined) {
      return yield* new PluginNotFound({
        where,
        specifier,
        searched: isPath(specifier) ? [path.resolve(options.baseDir, specifier)] : [options.cwd, "the runner's own dependencies"]
      })
    }
    const module = yield* Effect.tryPromise({
      try: () => import(pathToFileURL(resolved.file).href) as Promise<Record<string, unknown>>,
      catch: (e) => new PluginLoadFailed({ where, specifier, detail: e instanceof Error ? e.message : String(e) })
    })
    const connector = yield* defaultConnector(module, spec)
    const manifest = resolved.manifest === undefined ? undefined : yield* readManifest(resolved.manifest, spec)
    yield* checkCompatible(connector, manifest, spec)
    // The package's version is the one npm installed; a copy in the connector's source goes stale.
    const version = manifest?.manifest.version
    return version === undefined ? connector : { ...connector, version }
  })

const readManifest = (file: string, spec: ConnectorSpec) =>
  Either.match(Manifest.read(file), {
    onLeft: (detail) => Effect.fail(new PluginLoadFailed({ where: spec.where, specifier: spec.specifier, detail })),
    onRight: (manifest) => Effect.succeed({ file, manifest })
  })

/**
 * Both the core the connector was built with (what `defineConnector` stamped, from the copy of
 * the core it imported) and the range its package.json declares must admit the running core.
 * They differ when npm was overruled (`--legacy-peer-deps`, `--force`): the connector then runs
 * on the runner's core although its author declared another one.
 */
const checkCompatible = (
  connector: Connector.AnyConnector,
  manifest: { readonly file: string; readonly manifest: Manifest.Manifest } | undefined,
  spec: ConnectorSpec
) => {
  const builtWith = Version.isCompatible(connector.coreVersion) ? undefined : connector.coreVersion
  const declared = manifest === undefined ? undefined : Manifest.declaredCoreRange(manifest.manifest)
  const check = declared === undefined ? "Satisfied" : Manifest.checkRange(declared.range, Version.coreVersion)._tag
  if (builtWith === undefined && check === "Satisfied") return Effect.void
  return Effect.fail(
    new IncompatibleConnector({
      where: spec.where,
      specifier: spec.specifier,
      connectorId: connector.id,
      ...(builtWith === undefined ? {} : { builtWith }),
      ...(declared === undefined || check === "Satisfied"
        ? {}
        : { declared: { ...declared, manifest: manifest!.file, valid: check !== "NotARange" } }),
      coreVersion: Version.coreVersion
    })
  )
}

/** The default export (or, from a CommonJS build, its `default`), if it is a connector. */
const defaultConnector = (module: Record<string, unknown>, spec: ConnectorSpec) => {
  const outer = module.default
  const inner = typeof outer === "object" && outer !== null ? (outer as Record<string, unknown>).default : undefined
  const found = [outer, inner].find((c) => c !== undefined && ConnectorShape.problems(c).length === 0)
  if (found !== undefined) return Effect.succeed(found as Connector.AnyConnector)
  // A CommonJS build wraps the connector once more: describe what its author wrote.
  const described = inner !== undefined && Object.keys(outer as object).length === 1 ? inner : outer
  return Effect.fail(
    new NotAConnector({
      where: spec.where,
      specifier: spec.specifier,
      exports: Object.keys(module),
      problems: described === undefined ? [] : ConnectorShape.problems(described)
    })
  )
}
