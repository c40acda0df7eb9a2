/**
 * Issue 11.3: the runner image, verified through what it is made of (no Docker engine runs on
 * these machines; docs/deploy.md). The build stage's `pnpm deploy --prod` from the `Dockerfile`
 * runs into a temporary directory, which is copied to a fresh one (COPY --from=build) and
 * deleted, so nothing can be resolved from the workspace. That copy is started as the image
 * would start it — ENTRYPOINT and CMD, WORKDIR, the image's ENV — with nothing else in its
 * environment, on SQLite on the volume and on Postgres: it must answer /readyz and the image's
 * HEALTHCHECK, sync an import created through the admin API from a Google Contacts fake on
 * loopback, write nothing into the app directory, and exit 0 on SIGTERM within 10 s.
 */
import { makeGoogleFake } from "@autoimport/connector-google-contacts/fake"
import { serveFake } from "@autoimport/connector-kit/testing"
import { pgTestUrl } from "@autoimport/store-sql/testing"
import * as PgClient from "@effect/sql-pg/PgClient"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import { randomBytes } from "node:crypto"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import * as Bundle from "./support/bundle.js"

const image = Bundle.readImage()
const adminToken = randomBytes(24).toString("hex")

let work: string
let bundle: string

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "autoimport-bundle-"))
  const deployed = path.join(work, "deployed")
  const started = Date.now()
  await Bundle.deploy(image, deployed)
  const deployedAt = Date.now()
  bundle = path.join(fs.mkdtempSync(path.join(work, "image-")), "app")
  await Bundle.copy(deployed, bundle)
  fs.rmSync(deployed, { recursive: true, force: true })
  const seconds = (from: number, to: number) => ((to - from) / 1000).toFixed(1)
  console.log(`${image.deploy.join(" ")} --offline took ${seconds(started, deployedAt)} s, the copy ${seconds(deployedAt, Date.now())} s`)
}, 5 * 60_000)

afterAll(() => {
  if (work !== undefined) fs.rmSync(work, { recursive: true, force: true })
})

/** The image's ENV with its volume moved to `volume`. */
const imageEnv = (volume: string): Record<string, string> =>
  Object.fromEntries(Object.entries(image.env).map(([name, value]) => {
    const mount = image.volumes.find((v) => value === v || value.startsWith(v + "/"))
    return [name, mount === undefined ? value : volume + value.slice(mount.length)]
  }))

/** Every path in the bundle: the image's app directory must stay as built (read-only root filesystems). */
const contents = (dir: string) => Bundle.entries(dir).map((entry) => Bundle.relative(dir, entry)).sort()

/**
 * Retries `check` (real time, every 200 ms) until it holds; fails with `what` after 60 s, or at
 * once when the runner has exited.
 */
const eventually = <A>(what: string, runner: Bundle.Container, check: () => Promise<A | undefined>) =>
  Effect.suspend(() =>
    runner.child.exitCode !== null || runner.child.signalCode !== null
      ? Effect.die(new Error(`the runner exited (${runner.child.exitCode ?? runner.child.signalCode}) before ${what}:\n${runner.output().stderr}`))
      : Effect.flatMap(Effect.tryPromise(check), (value) => (value === undefined ? Effect.fail(new Error("not yet")) : Effect.succeed(value)))
  ).pipe(
    Effect.retry({ schedule: Schedule.spaced("200 millis") }),
    Effect.timeoutFail({ duration: "60 seconds", onTimeout: () => new Error(`${what} did not happen within 60 s:\n${runner.output().stderr}`) })
  )

describe("the runner image (Dockerfile)", () => {
  it.effect("Node 20 slim, a non-root user, the data directory a volume, AUTOIMPORT_* settings, the deploy output as its app", () =>
    Effect.sync(() => {
      assert.match(image.base, /^node:20(\.\d+)*-slim$/)
      assert.notInclude(["root", "0"], image.user.split(":")[0])
      assert.include(image.volumes, image.env.AUTOIMPORT_DATA_DIR)
      assert.deepStrictEqual(Object.keys(image.env).filter((name) => !name.startsWith("AUTOIMPORT_")), [])
      assert.includeMembers([...image.deploy], ["deploy", "--prod"])
      assert.strictEqual(image.copySource, image.deployTarget)
      assert.deepStrictEqual([...image.entrypoint, ...image.cmd], ["node", `${image.appDir}/dist/bin.js`, "run"])
      assert.match(image.healthcheck.join(" "), /\/healthz\b/)
    }))

  it.effect("the deploy output stands alone: no link out of it, better-sqlite3 built, no test tools", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(Bundle.linksLeaving(bundle), [])
      const store = fs.readdirSync(path.join(bundle, "node_modules", ".pnpm"))
      const sqlite = store.find((name) => name.startsWith("better-sqlite3@"))
      assert.isDefined(sqlite)
      assert.isTrue(fs.existsSync(path.join(bundle, "node_modules", ".pnpm", sqlite!, "node_modules", "better-sqlite3", "build", "Release", "better_sqlite3.node")))
      assert.deepStrictEqual(store.filter((name) => /^(vitest|@effect\+vitest|turbo)@/.test(name)), [])
      // The image copies the app as root and runs it as another user: all of it must be readable
      // by others (pnpm keeps its own bookkeeping private; the runner never reads it).
      const pnpmBookkeeping = /^(pnpm-lock\.yaml|pnpm-workspace\.yaml|node_modules\/\.pnpm-workspace-state[^/]*)$/
      const unreadable = contents(bundle).filter((entry) => {
        const stat = fs.statSync(path.join(bundle, entry))
        const needed = stat.isDirectory() ? 0o005 : 0o004 // others may read files and list directories
        return !pnpmBookkeeping.test(entry) && (stat.mode & needed) !== needed
      })
      assert.deepStrictEqual(unreadable, [])
    }))
})

describe("the deploy bundle run as the image runs it", () => {
  const syncs = (dialect: "sqlite" | "postgres") =>
    Effect.gen(function*() {
      const volume = yield* Bundle.tempDir("volume")
      const etc = yield* Bundle.tempDir("etc")
      const fake = makeGoogleFake({ seed: 23, size: 40 })
      const { url } = yield* serveFake(fake.handlers)
      // The connector's endpoints are operator settings that only a configuration file holds
      // (docs/design.md §9): the one thing given by file, named by AUTOIMPORT_CONFIG, is the fake's URL.
      const configFile = path.join(etc, "autoimport.config.json")
      fs.writeFileSync(configFile, JSON.stringify({ connectors: [{ package: "@autoimport/connector-google-contacts", settings: fake.settings(url) }] }))
      const port = yield* Effect.promise(Bundle.freePort)
      const env: Record<string, string> = {
        ...imageEnv(volume),
        AUTOIMPORT_HTTP_PORT: String(port),
        AUTOIMPORT_ADMIN_TOKEN: adminToken,
        AUTOIMPORT_CONFIG: configFile,
        ...(dialect === "postgres"
          ? { AUTOIMPORT_DATABASE_URL: yield* pgTestUrl, AUTOIMPORT_CREDENTIALS_KEY: randomBytes(32).toString("base64") }
          : {})
      }
      const before = contents(bundle)
      const runner = yield* Bundle.start(image, bundle, env)
      const base = `http://127.0.0.1:${port}`
      const api = (route: string, init: RequestInit = {}) =>
        fetch(`${base}${route}`, { ...init, headers: { authorization: `Bearer ${adminToken}`, "content-type": "application/json" } })

      yield* eventually("ready", runner, async () => ((await fetch(`${base}/readyz`).catch(() => undefined))?.status === 200 ? true : undefined))
      const healthy = yield* Effect.promise(() => Bundle.healthcheck(image, { AUTOIMPORT_HTTP_PORT: String(port) }))
      assert.strictEqual(healthy.code, 0, healthy.stderr)

      const created = yield* Effect.promise(() =>
        api("/api/imports", {
          method: "POST",
          body: JSON.stringify({
            connector: "google-contacts",
            name: "From the bundle",
            config: {
              clientId: fake.credentials.clientId,
              clientSecret: Redacted.value(fake.credentials.clientSecret),
              refreshToken: Redacted.value(fake.credentials.refreshToken)
            }
          })
        })
      )
      assert.strictEqual(created.status, 201, yield* Effect.promise(() => created.clone().text()))
      const { id } = (yield* Effect.promise(() => created.json())) as { id: string }

      const expected = [...fake.expectedEmails()].sort()
      const emails = yield* eventually("the sync", runner, async () => {
        const body = (await (await api("/api/contacts?limit=1000")).json()) as { contacts: Array<{ email: string }> }
        const emails = body.contacts.map((c) => c.email).sort()
        return emails.length >= expected.length ? emails : undefined
      })
      assert.deepStrictEqual(emails, expected)
      const runs = yield* eventually("the run's record", runner, async () => {
        const { runs } = (await (await api(`/api/imports/${id}/runs`)).json()) as { runs: Array<{ outcome: string }> }
        return runs[0]?.outcome === "running" ? undefined : runs
      })
      assert.deepStrictEqual(runs.map((r) => r.outcome), ["caught-up"])

      runner.child.kill("SIGTERM")
      const exit = yield* Bundle.exitWithin(runner, 10_000)
      assert.strictEqual(exit.code, 0, exit.stderr)
      for (const secret of [adminToken, Redacted.value(fake.credentials.clientSecret), Redacted.value(fake.credentials.refreshToken), env.AUTOIMPORT_CREDENTIALS_KEY]) {
        if (secret !== undefined) assert.notInclude(exit.stdout + exit.stderr, secret, "no secret in the runner's output")
      }
      const stopped = yield* Effect.promise(() => Bundle.healthcheck(image, { AUTOIMPORT_HTTP_PORT: String(port) }))
      assert.strictEqual(stopped.code, 1, "the healthcheck fails once the runner is gone")
      assert.deepStrictEqual(contents(bundle), before, "nothing written into the app directory")
      return { volume: fs.readdirSync(volume).sort() }
    })

  it.scopedLive("SQLite, the default: database and key file on the volume", () =>
    Effect.gen(function*() {
      const { volume } = yield* syncs("sqlite")
      assert.includeMembers(volume, ["autoimport.db", "credentials.key"])
    }), 120_000)

  it.scopedLive("Postgres with AUTOIMPORT_CREDENTIALS_KEY: nothing on the volume", () =>
    Effect.gen(function*() {
      const { volume } = yield* syncs("postgres")
      assert.deepStrictEqual(volume, [])
    }), 120_000)

  it.scopedLive("Postgres without AUTOIMPORT_CREDENTIALS_KEY: refused in one line, exit 2, nothing written", () =>
    Effect.gen(function*() {
      const volume = yield* Bundle.tempDir("volume")
      const database = yield* pgTestUrl
      const before = contents(bundle)
      const runner = yield* Bundle.start(image, bundle, {
        ...imageEnv(volume),
        AUTOIMPORT_ADMIN_TOKEN: adminToken,
        AUTOIMPORT_DATABASE_URL: database
      })
      const exit = yield* Bundle.exitWithin(runner, 60_000)
      assert.strictEqual(exit.code, 2, exit.stderr)
      const lines = exit.stderr.trim().split("\n")
      assert.strictEqual(lines.length, 1, exit.stderr)
      assert.match(lines[0]!, /AUTOIMPORT_DATABASE_URL.*a Postgres database needs AUTOIMPORT_CREDENTIALS_KEY/)
      assert.strictEqual(exit.stdout, "")
      assert.deepStrictEqual(fs.readdirSync(volume), [], "no key file")
      assert.deepStrictEqual(contents(bundle), before)
      const tables = yield* Effect.flatMap(
        PgClient.PgClient,
        (sql) => sql<{ table_name: string }>`SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
      ).pipe(Effect.provide(PgClient.layer({ url: Redacted.make(database), maxConnections: 1 })), Effect.orDie)
      assert.deepStrictEqual(tables, [], "nothing migrated")
    }), 120_000)
})
