/**
 * Which core this is: its version, read from its own package.json so that a release bumps one
 * place (a hard-coded copy went stale, issue 15), and every copy of the core loaded into the
 * process, so the runner can warn about a connector that brought its own.
 */
import * as Schema from "effect/Schema"
import { createRequire } from "node:module"
import { fileURLToPath } from "node:url"

// `../package.json` is this package's manifest from `src/` (tests) and from `dist/` (published).
const manifest = Schema.decodeUnknownSync(Schema.Struct({ name: Schema.String, version: Schema.String }))(
  createRequire(import.meta.url)("../package.json")
)

/** The version of this package; `defineConnector` stamps it on connectors for the runner's compatibility check. */
export const coreVersion: string = manifest.version

/**
 * Whether a connector built against `builtWith` can run on this core: same major version,
 * and while the major is 0, the same minor (semver's caret rule for 0.x).
 */
export const isCompatible = (builtWith: string, current: string = coreVersion): boolean => {
  const parse = (v: string) => v.split(".").map((n) => Number.parseInt(n, 10))
  const [aMajor, aMinor] = parse(builtWith)
  const [bMajor, bMinor] = parse(current)
  if (aMajor === undefined || Number.isNaN(aMajor) || aMajor !== bMajor) return false
  return aMajor !== 0 || aMinor === bMinor
}

/** One copy of the core in this process: the file of its `Version` module, and its version. */
export interface LoadedCopy {
  readonly file: string
  readonly version: string
}

/** This copy. */
export const self: LoadedCopy = { file: fileURLToPath(import.meta.url), version: coreVersion }

/*
 * Each copy registers itself under a global symbol: module instances do not see each other, the
 * global object and `Symbol.for` are shared by all of them. A connector that resolves
 * `@autoimport/core` to another file than the runner's (a nested install, a bundled core) has
 * other error classes and service tags than the runner, which fails in ways far from the cause.
 */
const shared = globalThis as unknown as Record<symbol, Array<LoadedCopy> | undefined>
const registry = (shared[Symbol.for("@autoimport/core/Version/loadedCopies")] ??= [])
if (!registry.some((copy) => copy.file === self.file)) registry.push(self)

/** Every copy of the core loaded so far, in load order (one, when packages are installed right). */
export const loadedCopies = (): ReadonlyArray<LoadedCopy> => [...registry]
