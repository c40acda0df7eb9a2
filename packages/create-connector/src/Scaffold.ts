/**
 * Scaffolding a connector package from `template/`: the template is a real connector, compiled
 * and run against the acceptance suite in this package's tests; scaffolding copies it with the
 * id and the service name substituted, and writes a package.json that follows the connector
 * package contract (docs/writing-a-connector.md).
 */
import { ConnectorId } from "@autoimport/core/Domain"
import { personalizationTag } from "@autoimport/core/Naming"
import { coreVersion } from "@autoimport/core/Version"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as fs from "node:fs"
import * as path from "node:path"
import { fileURLToPath } from "node:url"
import { parseArgs } from "node:util"

/** Bad input: the command prints it with the usage and exits with 2. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", { detail: Schema.String }) {
  override get message() {
    return this.detail
  }
}

/** The files could not be written (permissions, disk): exit 1. */
export class ScaffoldFailed extends Schema.TaggedError<ScaffoldFailed>()("ScaffoldFailed", {
  path: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `cannot write ${this.path}: ${this.detail}`
  }
}

export const usage = `usage: create-autoimport-connector <id> [--dir <path>] [--name "<Service Name>"]

  <id>     the connector id, kebab-case (e.g. acme-crm); the package is autoimport-connector-<id>
  --dir    where to create the package (default ./autoimport-connector-<id>); must not exist or be empty
  --name   the service's name as users see it, and the prefix of its fields (default from the id)`

/** What the template says where the new connector's id and name go. */
export const tokens = { id: "example-service", name: "Example Service", tag: "EXAMPLE_SERVICE" } as const

export interface Options {
  readonly id: string
  readonly name: string
  /** Absolute. */
  readonly dir: string
}

/** Service names end up in TypeScript strings, Markdown and field titles: letters, digits and a little punctuation. */
const validName = /^[\p{L}\p{N}][\p{L}\p{N} .&'+-]*$/u

/** Parses and validates the command line (everything but `node` and the script). */
export const parseCommandLine = (argv: ReadonlyArray<string>, cwd: string): Effect.Effect<Options | "help", UsageError> =>
  Effect.gen(function*() {
    const parsed = yield* Effect.try({
      try: () =>
        parseArgs({
          args: [...argv],
          allowPositionals: true,
          strict: true,
          options: { dir: { type: "string" }, name: { type: "string" }, help: { type: "boolean", short: "h" } }
        }),
      catch: (e) => new UsageError({ detail: (e as Error).message })
    })
    if (parsed.values.help === true) return "help" as const
    const [id, ...extra] = parsed.positionals
    if (id === undefined) return yield* new UsageError({ detail: "missing the connector id" })
    if (extra.length > 0) return yield* new UsageError({ detail: `unexpected argument(s): ${extra.join(" ")}` })
    if (Either.isLeft(Schema.decodeUnknownEither(ConnectorId)(id))) {
      return yield* new UsageError({
        detail: `the connector id "${id}" is not kebab-case: use lower-case letters and digits separated by single dashes, starting with a letter (e.g. acme-crm)`
      })
    }
    const name = (parsed.values.name ?? defaultName(id)).trim()
    if (!validName.test(name) || name.length > 60) {
      return yield* new UsageError({
        detail: `--name "${name}" is not a usable service name: 1–60 letters, digits, spaces and . & ' + -, starting with a letter or digit`
      })
    }
    const dir = path.resolve(cwd, parsed.values.dir ?? `autoimport-connector-${id}`)
    if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || fs.readdirSync(dir).length > 0)) {
      const given = parsed.values.dir === undefined ? `the default directory ${dir}` : `--dir ${dir}`
      return yield* new UsageError({
        detail: `${given} ${fs.statSync(dir).isDirectory() ? "is not empty" : "is a file"}; choose a new or empty directory with --dir`
      })
    }
    return { id, name, dir }
  })

/** `acme-crm` → `Acme Crm`: a starting point; `--name` gives the real spelling. */
export const defaultName = (id: string): string =>
  id.split("-").map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join(" ")

interface Manifest {
  readonly name: string
  readonly dependencies: Readonly<Record<string, string>>
  readonly devDependencies: Readonly<Record<string, string>>
}

/**
 * The package.json of a scaffolded connector. Third-party versions are the ones the template is
 * compiled and tested with (this package's own dependencies); the autoimport packages get a
 * caret range of the core this scaffolder was built with.
 */
export const packageJson = (options: Pick<Options, "id" | "name">, self: Manifest = ownManifest()) => {
  const autoimport = `^${coreVersion}`
  const pinned = (name: string) => {
    const version = self.dependencies[name] ?? self.devDependencies[name]
    if (version === undefined) throw new Error(`${self.name}: the template needs ${name}, which is not among its dependencies`)
    return version
  }
  return {
    name: `autoimport-connector-${options.id}`,
    version: "0.1.0",
    description: `${options.name} connector for autoimport`,
    keywords: ["autoimport", "autoimport-connector"],
    license: "MIT",
    type: "module",
    engines: { node: ">=20.19" },
    files: ["dist", "src"],
    exports: {
      ".": { types: "./dist/index.d.ts", import: "./dist/index.js" },
      "./fake": { types: "./dist/fake/index.d.ts", import: "./dist/fake/index.js" }
    },
    scripts: {
      build: "tsc -p tsconfig.build.json",
      typecheck: "tsc -p tsconfig.json",
      test: "tsc -p tsconfig.json && vitest run",
      prepack: "npm run build"
    },
    autoimport: { connector: true },
    peerDependencies: { "@autoimport/core": autoimport },
    dependencies: {
      "@autoimport/connector-kit": autoimport,
      "@effect/platform": pinned("@effect/platform"),
      effect: pinned("effect"),
      msw: pinned("msw")
    },
    devDependencies: {
      "@autoimport/core": autoimport,
      "@autoimport/store-sql": autoimport,
      ...Object.fromEntries(["@effect/sql", "@effect/vitest", "@types/node", "typescript", "vitest"].map((name) => [name, pinned(name)]))
    }
  }
}

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..")
export const templateDir = path.join(packageRoot, "template")

const ownManifest = (): Manifest => JSON.parse(fs.readFileSync(path.join(packageRoot, "package.json"), "utf8")) as Manifest

/** Template files, relative to the template directory. */
const templateFiles = (dir: string, prefix = ""): Array<string> =>
  fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = path.join(prefix, entry.name)
    if (entry.isDirectory()) return entry.name === "node_modules" || entry.name === "dist" ? [] : templateFiles(path.join(dir, entry.name), relative)
    return [relative]
  })

/** npm never publishes files named `.gitignore`, so the template holds it without the dot. */
const targetName = (relative: string) => (path.basename(relative) === "gitignore" ? path.join(path.dirname(relative), ".gitignore") : relative)

export const substitute = (text: string, options: Pick<Options, "id" | "name">): string =>
  text
    .replaceAll(tokens.id, options.id)
    .replaceAll(tokens.name, options.name)
    .replaceAll(tokens.tag, personalizationTag(options.name))

/** Writes the package; returns the files written, relative to `options.dir`. */
export const scaffold = (options: Options): Effect.Effect<ReadonlyArray<string>, ScaffoldFailed> =>
  Effect.gen(function*() {
    const files = templateFiles(templateDir)
    const written: Array<string> = []
    const write = (relative: string, content: string) =>
      Effect.try({
        try: () => {
          const target = path.join(options.dir, relative)
          fs.mkdirSync(path.dirname(target), { recursive: true })
          fs.writeFileSync(target, content)
          written.push(relative)
        },
        catch: (e) => new ScaffoldFailed({ path: path.join(options.dir, relative), detail: (e as Error).message })
      })
    for (const file of files) {
      yield* write(targetName(file), substitute(fs.readFileSync(path.join(templateDir, file), "utf8"), options))
    }
    yield* write("package.json", JSON.stringify(packageJson(options), null, 2) + "\n")
    return written.sort()
  })
