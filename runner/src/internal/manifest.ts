/**
 * What the runner reads from a connector's package.json: its version (shown by `autoimport
 * connectors` and the API) and the `@autoimport/core` range it declares.
 */
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import satisfies from "semver/functions/satisfies.js"
import validRange from "semver/ranges/valid.js"
import { describeParseError } from "../Config.js"

const Dependencies = Schema.Record({ key: Schema.String, value: Schema.String })

const Manifest = Schema.Struct({
  name: Schema.optional(Schema.String),
  version: Schema.optional(Schema.String),
  dependencies: Schema.optional(Dependencies),
  peerDependencies: Schema.optional(Dependencies)
})
export type Manifest = typeof Manifest.Type

/** The manifest, or why it cannot be read (one line). */
export const read = (file: string): Either.Either<Manifest, string> => {
  let json: unknown
  try {
    json = JSON.parse(fs.readFileSync(file, "utf8"))
  } catch (e) {
    return Either.left(`${file}: ${e instanceof Error ? e.message : String(e)}`)
  }
  return Schema.decodeUnknownEither(Manifest)(json, { errors: "all" }).pipe(
    Either.mapLeft((e) => `${file}: ${describeParseError(e).join("; ")}`)
  )
}

export interface DeclaredRange {
  readonly range: string
  /** Which list of the package.json declares it. */
  readonly field: "peerDependencies" | "dependencies"
}

/**
 * The `@autoimport/core` range the package asks for. A peer dependency is the documented way; a
 * plain dependency is an author's mistake (it installs a second core) but still says which core
 * the connector expects, so it is checked as well.
 */
export const declaredCoreRange = (manifest: Manifest): DeclaredRange | undefined => {
  const peer = manifest.peerDependencies?.["@autoimport/core"]
  if (peer !== undefined) return { range: peer, field: "peerDependencies" }
  const dependency = manifest.dependencies?.["@autoimport/core"]
  return dependency === undefined ? undefined : { range: dependency, field: "dependencies" }
}

export type RangeCheck =
  | { readonly _tag: "Satisfied" }
  | { readonly _tag: "NotSatisfied" }
  | { readonly _tag: "NotARange" }

/**
 * Whether `version` of the core satisfies a declared range. pnpm's `workspace:` protocol (the
 * built-in connectors' manifests inside this repository; `pnpm publish` replaces it with a real
 * range) means "the workspace's own core" when it has no version of its own, which is the core
 * running. Prereleases follow semver: `^0.2.0` does not take `0.2.0-rc.1`.
 */
export const checkRange = (range: string, version: string): RangeCheck => {
  const workspace = /^workspace:(.*)$/.exec(range.trim())
  const effective = workspace === null ? range : workspace[1]!
  if (workspace !== null && ["", "*", "^", "~"].includes(effective)) return { _tag: "Satisfied" }
  if (validRange(effective) === null) return { _tag: "NotARange" }
  return satisfies(version, effective) ? { _tag: "Satisfied" } : { _tag: "NotSatisfied" }
}
