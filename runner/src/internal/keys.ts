/**
 * The runner's configuration keys, each declared once (runner/src/internal/settings.ts says what
 * a declaration holds). runner/src/Config.ts derives the file's schema, the `AUTOIMPORT_*`
 * variables, the resolved configuration and README's table from them.
 */
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import * as Requests from "./requests.js"
import {
  CredentialsKey,
  DurationBetween,
  IntBetween,
  IntBetweenFromString,
  Port,
  PortFromString,
  Secret
} from "./schemas.js"
import * as Settings from "./settings.js"
import { setting } from "./settings.js"

const ConnectorEntry = Schema.Union(
  Schema.NonEmptyTrimmedString,
  Schema.Struct({
    package: Schema.NonEmptyTrimmedString,
    settings: Schema.optional(Schema.Unknown)
  })
)

type Bounded<A> = Omit<Settings.WithDefault<A>, "file" | "env" | "range"> & { readonly range: { readonly min: A; readonly max: A } }

/** A duration within its range; the file and the variable both hold text (`30m`). */
const durationSetting = (d: Bounded<Duration.Duration>) => {
  const schema = DurationBetween(d.range.min, d.range.max)
  return setting({ ...d, file: schema, env: schema })
}

/** A whole number within its range: a number in the file, text in the variable. */
const intSetting = (d: Bounded<number>) =>
  setting({ ...d, file: IntBetween(d.range.min, d.range.max), env: IntBetweenFromString(d.range.min, d.range.max) })

/**
 * Every key of the configuration, once (runner/src/internal/settings.ts says what a declaration
 * holds). The ranges: below the minimum the runner would spin (an interval or poll interval of 0
 * re-runs at once, forever); above the maximum a value is a slip rather than a wish (a batch cap
 * of 1e12 is no cap at all, 10,000 concurrent syncs exhaust any connection pool), and long
 * sleeps stay below the 24.8 days after which Node's timers overflow.
 */
export const settings = {
  connectors: setting<ReadonlyArray<typeof ConnectorEntry.Type>>({
    key: "connectors",
    file: Schema.Array(ConnectorEntry),
    defaultText: "the built-in connectors",
    description:
      "packages to load: a package name (resolved from the working directory, then from the runner's own dependencies) or a path, optionally with `settings` (the connector's operator settings: base URL, token URL, page size, rate...)"
  }),
  database: setting({
    key: "database",
    variable: "AUTOIMPORT_DATABASE_URL",
    file: Schema.NonEmptyTrimmedString,
    env: Schema.NonEmptyTrimmedString,
    defaultText: "`<dataDir>/autoimport.db` (SQLite)",
    description:
      "`postgres://…` / `postgresql://…` for Postgres; `sqlite:<file>` or a plain file path for SQLite. A Postgres URL is held as a secret (never printed). A SQLite file that cannot be used (read-only for the user, its directory not writable, not a database, a device such as `/proc/self/mem`) is refused before SQLite opens it (exit 2); `-wal`/`-shm` files left read-only by an earlier start on a read-only file are made writable again"
  }),
  dataDir: setting({
    key: "dataDir",
    variable: "AUTOIMPORT_DATA_DIR",
    file: Schema.NonEmptyTrimmedString,
    env: Schema.NonEmptyTrimmedString,
    default: ".autoimport",
    description: "where the embedded default keeps its database and key file"
  }),
  credentialsKey: setting({
    key: "credentialsKey",
    variable: "AUTOIMPORT_CREDENTIALS_KEY",
    file: CredentialsKey,
    env: CredentialsKey,
    defaultText: "SQLite: key file `<dataDir>/credentials.key`; Postgres: none, required",
    description: "base64 of 32 random bytes (`openssl rand -base64 32`): the AES-256-GCM key that encrypts import credentials at rest"
  }),
  interval: durationSetting({
    key: "interval",
    variable: "AUTOIMPORT_INTERVAL",
    default: Duration.minutes(30),
    range: { min: Duration.seconds(1), max: Duration.days(7) },
    description: "time between two syncs of one import (`90s`, `30m`, `1h`, `500ms`, `2 days`)"
  }),
  batchCap: intSetting({
    key: "batchCap",
    variable: "AUTOIMPORT_BATCH_CAP",
    default: 500,
    range: { min: 1, max: 100_000 },
    description: "most source records one sync processes (R2)"
  }),
  concurrency: intSetting({
    key: "concurrency",
    variable: "AUTOIMPORT_CONCURRENCY",
    default: 4,
    range: { min: 1, max: 64 },
    description: "most syncs running at once in one runner"
  }),
  jitter: durationSetting({
    key: "jitter",
    variable: "AUTOIMPORT_JITTER",
    default: Duration.seconds(30),
    range: { min: Duration.zero, max: Duration.days(1) },
    description: "the most a next run is pushed back at random, so imports set up together drift apart"
  }),
  pollInterval: durationSetting({
    key: "pollInterval",
    variable: "AUTOIMPORT_POLL_INTERVAL",
    default: Duration.seconds(10),
    range: { min: Duration.millis(100), max: Duration.hours(1) },
    description: "how often the runner asks the database for due imports (picks up imports created by another process)"
  }),
  httpHost: setting({
    key: "http.host",
    variable: "AUTOIMPORT_HTTP_HOST",
    file: Schema.NonEmptyTrimmedString,
    env: Schema.NonEmptyTrimmedString,
    default: "127.0.0.1",
    description: "where `autoimport run` serves HTTP; any non-loopback host requires an admin token"
  }),
  httpPort: setting({
    key: "http.port",
    variable: "AUTOIMPORT_HTTP_PORT",
    file: Port,
    env: PortFromString,
    default: 8080,
    range: { min: 0, max: 65535 },
    description: "`0` picks a free port (logged at start)"
  }),
  adminToken: setting({
    key: "http.adminToken",
    variable: "AUTOIMPORT_ADMIN_TOKEN",
    file: Secret,
    env: Secret,
    defaultText: "none",
    description: "bearer token for `/api/*`; required when `http.host` is not loopback"
  }),
  // Zero would refuse every request; past a few minutes a client has long given up.
  httpDatabaseTimeout: durationSetting({
    key: "http.databaseTimeout",
    variable: "AUTOIMPORT_HTTP_DATABASE_TIMEOUT",
    default: Duration.seconds(10),
    range: { min: Duration.millis(100), max: Duration.minutes(10) },
    description: "how long an admin API request or `/readyz` waits for the database before answering `503`"
  }),
  requestsIdleTimeout: Requests.settings.idleTimeout,
  requestsDeadline: Requests.settings.deadline,
  requestsPerSync: Requests.settings.perSync
} as const
