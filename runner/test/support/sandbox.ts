/**
 * A scratch working directory whose configuration points the Google Contacts connector at a
 * fresh fake served by the test, on SQLite or on a fresh Postgres schema.
 */
import { makeGoogleFake } from "@autoimport/connector-google-contacts/fake"
import { serveFake } from "@autoimport/connector-kit/testing"
import { pgTestUrl } from "@autoimport/store-sql/testing"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { randomBytes } from "node:crypto"
import { writeFileSync } from "node:fs"
import * as path from "node:path"
import * as Cli from "./cli.js"

export const connectorPackage = "@autoimport/connector-google-contacts"

export interface Sandbox {
  readonly cwd: string
  readonly env: Record<string, string>
  readonly fake: ReturnType<typeof makeGoogleFake>
  readonly options: Cli.Options
  /** Rewrites the configuration file with other connector settings. */
  readonly configure: (settings?: Record<string, unknown>) => void
}

/** A working directory with a configuration that points the connector at a fresh fake. */
export const sandbox = (dialect: "sqlite" | "postgres", fakeOptions: Parameters<typeof makeGoogleFake>[0] = {}, settings: Record<string, unknown> = {}) =>
  Effect.gen(function*() {
    const cwd = yield* Cli.scratchDir
    const fake = makeGoogleFake({ seed: 11, size: 300, ...fakeOptions })
    const { url } = yield* serveFake(fake.handlers)
    const configure = (extra: Record<string, unknown> = settings) =>
      writeFileSync(
        path.join(cwd, "autoimport.config.json"),
        JSON.stringify({ connectors: [{ package: connectorPackage, settings: { ...fake.settings(url), requestsPerMinute: 6000, ...extra } }] })
      )
    configure()
    writeFileSync(
      path.join(cwd, "import.json"),
      JSON.stringify({
        clientId: fake.credentials.clientId,
        clientSecret: Redacted.value(fake.credentials.clientSecret),
        refreshToken: Redacted.value(fake.credentials.refreshToken)
      })
    )
    // Postgres needs a configured key (no key file default); SQLite uses its key file.
    const env: Record<string, string> = dialect === "postgres"
      ? { AUTOIMPORT_DATABASE_URL: yield* pgTestUrl, AUTOIMPORT_CREDENTIALS_KEY: randomBytes(32).toString("base64") }
      : {}
    return { cwd, env, fake, options: { cwd, env }, configure } satisfies Sandbox
  })

export const createImport = (s: Sandbox, ...extra: Array<string>) =>
  Cli.json<{ id: string; config: Record<string, unknown> }>(
    ["imports", "create", "google-contacts", "--name", "My contacts", "--config", "@import.json", ...extra],
    s.options
  )

export interface RunJson {
  readonly id: string
  readonly outcome: string
  readonly fetched: number
  readonly added: number
  readonly updated: number
  readonly skipped: number
  readonly stopTag: string | null
  readonly message: string | null
  readonly skips?: ReadonlyArray<{ reason: string; email: string | null; externalId: string }>
}
