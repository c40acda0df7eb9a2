/**
 * The runner's configuration: a file (`autoimport.config.json` / `.yaml`, or the one named by
 * `--config` / `AUTOIMPORT_CONFIG`) overlaid with `AUTOIMPORT_*` environment variables, decoded
 * with Schema before anything is written. Every problem names its key (or variable) and what
 * is wrong with it.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as ParseIssues from "@autoimport/core/ParseIssues"
import * as Path from "@effect/platform/Path"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as ParseResult from "effect/ParseResult"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as YAML from "yaml"
import { settings } from "./internal/keys.js"
import * as Requests from "./internal/requests.js"
import { maxDepth, tooDeep } from "./internal/schemas.js"
import * as Settings from "./internal/settings.js"

export { settings } from "./internal/keys.js"

export class ConfigError extends Schema.TaggedError<ConfigError>()("ConfigError", {
  /** The file, or the environment variable, the problems are in. */
  source: Schema.String,
  /** One entry per problem, each starting with the key it is about. */
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    return this.problems.length === 1
      ? `invalid configuration in ${this.source}: ${this.problems[0]}`
      : `invalid configuration in ${this.source}:\n${this.problems.map((p) => `  - ${p}`).join("\n")}`
  }
}

/** The connector packages loaded when the configuration names none. */
export const builtinConnectors: ReadonlyArray<string> = [
  "@autoimport/connector-google-contacts",
  "@autoimport/connector-hubspot",
  "@autoimport/connector-shopify"
]

const declarations: ReadonlyArray<Settings.Setting<any>> = Object.values(settings)

/** The file's shape. Unknown keys are errors: a misspelt key must not silently do nothing. */
const FileConfig = Settings.fileSchema(declarations)

/** Each variable, decoded from its text on its own so an error names the variable. */
const environment = Settings.variables(declarations)
/** Read elsewhere (before the file is found), but still known variables. */
const otherVariables = new Set(["AUTOIMPORT_CONFIG"])
export const environmentVariables: ReadonlyArray<string> = [...otherVariables, ...environment.keys()]

/** README's configuration table (runner/test/Config.test.ts compares the two). */
export const readmeTable = (): string => Settings.readmeTable(declarations)

export type Database =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Postgres"; readonly url: Redacted.Redacted<string> }

export interface ConnectorSpec {
  /** Package name or path, as written. */
  readonly specifier: string
  readonly settings: unknown
  /** Where it was configured, for error messages (`autoimport.config.json: connectors[1]`). */
  readonly where: string
}

export interface RunnerConfig {
  /** The configuration file that was read, if any. */
  readonly file: Option.Option<string>
  /** Relative paths in the file resolve against this directory (the working directory without a file). */
  readonly baseDir: string
  readonly connectors: ReadonlyArray<ConnectorSpec>
  readonly database: Database
  readonly dataDir: string
  readonly credentialsKey: Option.Option<Redacted.Redacted<Uint8Array>>
  readonly interval: Duration.Duration
  readonly batchCap: number
  readonly concurrency: number
  readonly jitter: Duration.Duration
  readonly pollInterval: Duration.Duration
  readonly http: {
    readonly host: string
    readonly port: number
    readonly adminToken: Option.Option<Redacted.Redacted<string>>
    readonly databaseTimeout: Duration.Duration
  }
  /** What a service may make one sync wait for (Http.Limits of the connector kit). */
  readonly requests: Requests.Requests
}

export class Config extends Context.Tag("@autoimport/runner/Config")<Config, RunnerConfig>() {}

export interface LoadOptions {
  readonly cwd: string
  /** `--config`; falls back to `AUTOIMPORT_CONFIG`, then to a file in `cwd`. */
  readonly configPath: Option.Option<string>
  readonly env: Readonly<Record<string, string | undefined>>
}

const candidateFiles = ["autoimport.config.json", "autoimport.config.yaml", "autoimport.config.yml"]

/** Reads and validates the configuration. Reads files only: nothing is created or written. */
export const load = (options: LoadOptions): Effect.Effect<RunnerConfig, ConfigError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const env = yield* decodeEnvironment(options.env)
    const explicit = Option.orElse(options.configPath, () => Option.fromNullable(options.env.AUTOIMPORT_CONFIG))
    const file = yield* Option.match(explicit, {
      onSome: (given) => {
        const absolute = path.resolve(options.cwd, given)
        return Effect.flatMap(exists(fs, absolute), (found) =>
          found
            ? Effect.succeed(Option.some(absolute))
            : Effect.fail(new ConfigError({ source: given, problems: [`the configuration file ${absolute} does not exist`] })))
      },
      onNone: () =>
        Effect.gen(function*() {
          const found: Array<string> = []
          for (const name of candidateFiles) {
            const candidate = path.join(options.cwd, name)
            if (yield* exists(fs, candidate)) found.push(candidate)
          }
          if (found.length > 1) {
            return yield* new ConfigError({
              source: options.cwd,
              problems: [`found ${found.map((f) => path.basename(f)).join(" and ")}; keep one, or choose with --config`]
            })
          }
          return Option.fromNullable(found[0])
        })
    })
    const fromFile = Option.isSome(file) ? yield* readFile(fs, file.value) : {}
    const sources: Settings.Sources = { file: fromFile, env }
    const source = Option.getOrElse(file, () => "the defaults")
    const baseDir = Option.match(file, { onNone: () => options.cwd, onSome: (f) => path.dirname(f) })
    const get = <A>(s: Settings.Setting<A>) => Settings.given(sources, s)
    const value = <A>(s: Settings.WithDefault<A>) => Settings.value(sources, s)
    const fromEnv = (s: Settings.Setting<any>) => Settings.fromEnv(sources, s)

    const dataDir = path.resolve(fromEnv(settings.dataDir) ? options.cwd : baseDir, value(settings.dataDir))
    const databaseText = get(settings.database)
    const database = yield* parseDatabase(
      databaseText === undefined ? undefined : fromEnv(settings.database)
        ? { text: databaseText, where: settings.database.variable!, base: options.cwd }
        : { text: databaseText, where: `${source}: database`, base: baseDir },
      dataDir,
      path
    )
    const entries = get(settings.connectors)
    const connectors: ReadonlyArray<ConnectorSpec> = entries !== undefined
      ? entries.map((entry, i) => ({
        specifier: typeof entry === "string" ? entry : entry.package,
        settings: typeof entry === "string" ? undefined : entry.settings,
        where: `${source}: connectors[${i}]`
      }))
      : builtinConnectors.map((specifier) => ({ specifier, settings: undefined, where: "built-in connectors" }))

    const host = value(settings.httpHost)
    const adminToken = Option.fromNullable(get(settings.adminToken))
    if (!isLoopback(host) && Option.isNone(adminToken)) {
      return yield* new ConfigError({
        source: fromEnv(settings.httpHost) ? "AUTOIMPORT_HTTP_HOST" : source,
        problems: [
          `http.host is ${host}, which is reachable from other machines: set AUTOIMPORT_ADMIN_TOKEN (or http.adminToken) so the admin API requires a bearer token`
        ]
      })
    }
    const credentialsKey = Option.fromNullable(get(settings.credentialsKey))
    // The key file of the embedded default is per machine: runners sharing one Postgres database
    // would each create their own and could not read the imports the others stored.
    if (database._tag === "Postgres" && Option.isNone(credentialsKey)) {
      return yield* new ConfigError({
        source: fromEnv(settings.database) ? "AUTOIMPORT_DATABASE_URL" : `${source}: database`,
        problems: [
          "a Postgres database needs AUTOIMPORT_CREDENTIALS_KEY (or credentialsKey), the same for every runner that uses it: base64 of 32 random bytes (openssl rand -base64 32)"
        ]
      })
    }
    return {
      file,
      baseDir,
      connectors,
      database,
      dataDir,
      credentialsKey,
      interval: value(settings.interval),
      batchCap: value(settings.batchCap),
      concurrency: value(settings.concurrency),
      jitter: value(settings.jitter),
      pollInterval: value(settings.pollInterval),
      http: {
        host,
        port: value(settings.httpPort),
        adminToken,
        databaseTimeout: value(settings.httpDatabaseTimeout)
      },
      requests: Requests.resolve(sources)
    }
  })

const exists = (fs: FileSystem.FileSystem, file: string) => fs.exists(file).pipe(Effect.orElseSucceed(() => false))

const readFile = (fs: FileSystem.FileSystem, file: string) =>
  Effect.gen(function*() {
    const text = yield* fs.readFileString(file).pipe(
      Effect.mapError((e) => new ConfigError({ source: file, problems: [`cannot read the file: ${e.message}`] }))
    )
    const parsed = yield* Effect.try({
      try: () => (/\.ya?ml$/i.test(file) ? YAML.parse(text) : JSON.parse(text)) as unknown,
      // The YAML parser's message continues with a code frame: its first line says it all.
      catch: (e) =>
        new ConfigError({
          source: file,
          problems: [`not valid ${/\.ya?ml$/i.test(file) ? "YAML" : "JSON"}: ${String((e as Error).message).split("\n")[0]!.trim()}`]
        })
    })
    if (tooDeep(parsed)) {
      return yield* new ConfigError({ source: file, problems: [`nested deeper than ${maxDepth} levels`] })
    }
    return yield* Schema.decodeUnknown(FileConfig)(parsed ?? {}, { errors: "all", onExcessProperty: "error" }).pipe(
      Effect.mapError((e) => new ConfigError({ source: file, problems: describeParseError(e) }))
    )
  })

const decodeEnvironment = (env: LoadOptions["env"]) =>
  Effect.gen(function*() {
    const problems: Array<string> = []
    const unknown: Array<string> = []
    const decoded: Record<string, unknown> = {}
    for (const [name, text] of Object.entries(env)) {
      if (!name.startsWith("AUTOIMPORT_") || text === undefined || otherVariables.has(name)) continue
      const schema = environment.get(name)
      if (schema === undefined) {
        if (!name.startsWith("AUTOIMPORT_TEST_")) unknown.push(name)
        continue
      }
      const result = Settings.decodeVariable(schema, text)
      if (Either.isLeft(result)) {
        problems.push(`${name}: ${describeParseError(result.left).join("; ")}`)
      } else {
        decoded[name] = result.right
      }
    }
    if (problems.length > 0) return yield* new ConfigError({ source: "the environment", problems })
    // Other tools may share the prefix (test suites use AUTOIMPORT_TEST_*): warn, do not refuse.
    if (unknown.length > 0) {
      yield* Effect.logWarning(`ignoring unknown environment variable(s) ${unknown.join(", ")}; known: ${environmentVariables.join(", ")}`)
    }
    return decoded
  })

const parseDatabase = (
  given: { readonly text: string; readonly where: string; readonly base: string } | undefined,
  dataDir: string,
  path: Path.Path
): Effect.Effect<Database, ConfigError> => {
  if (given === undefined) return Effect.succeed({ _tag: "Sqlite", filename: path.join(dataDir, "autoimport.db") })
  const { base, text, where } = given
  if (/^postgres(ql)?:\/\//i.test(text)) {
    return Effect.try({
      try: () => {
        new URL(text)
        return { _tag: "Postgres", url: Redacted.make(text) } as const
      },
      // The URL may hold a password: name the problem, never echo the value.
      catch: () => new ConfigError({ source: where, problems: [`not a valid postgres:// URL`] })
    })
  }
  const sqlite = /^sqlite:(?:\/\/)?(.+)$/i.exec(text)
  if (sqlite !== null) return Effect.succeed({ _tag: "Sqlite", filename: path.resolve(base, sqlite[1]!) })
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    return Effect.fail(
      new ConfigError({ source: where, problems: [`unsupported database URL scheme; use postgres://..., sqlite:<file> or a file path`] })
    )
  }
  return Effect.succeed({ _tag: "Sqlite", filename: path.resolve(base, text) })
}

export const isLoopback = (host: string): boolean =>
  host === "localhost" || host === "::1" || host === "[::1]" || /^127\.\d+\.\d+\.\d+$/.test(host)

/** One line per problem, each said once, starting with its key path (`connectors[0].settings.baseUrl: ...`). */
export const describeParseError = (error: ParseResult.ParseError): Array<string> =>
  ParseIssues.describe(error).map((issue) =>
    issue.path.length === 0 ? issue.message : `${formatPath(issue.path)}: ${issue.message}`
  )

export const formatPath = (path: ReadonlyArray<PropertyKey>): string =>
  path.reduce<string>(
    (out, key) => (typeof key === "number" ? `${out}[${key}]` : out === "" ? String(key) : `${out}.${String(key)}`),
    ""
  )
