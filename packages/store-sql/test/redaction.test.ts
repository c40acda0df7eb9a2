/**
 * Item 7 of the hardening issue: a service that echoes our request (a token endpoint repeating
 * the refresh token and client secret in its error) must not get the secrets stored in the run's
 * message or the import's status reason — what `runs --json`, `imports show` and the admin API
 * print — nor into a log line. On both dialects, through the real engine and store.
 */
import { assert, layer } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import { Connectors, defineConnector } from "@autoimport/core/Connector"
import { AccountId, FieldDefinition } from "@autoimport/core/Domain"
import { AuthRevoked, ServiceUnavailable } from "@autoimport/core/Errors"
import * as RateLimiter from "@autoimport/core/RateLimiter"
import { maxMessageLength } from "@autoimport/core/Redact"
import { Store } from "@autoimport/core/Store"
import { SyncEngine } from "@autoimport/core/SyncEngine"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { layerPgTest, layerSqliteTest } from "../src/testing.js"

const clientSecret = "cs_Hx9/+q=&\"quoted\""
const refreshToken = "1//0gRt-echo_me_" + "r".repeat(40)
const rotated = "1//0gRotated-" + "n".repeat(40)

/** What the service answers, given the config it was sent; set per test. */
let answer: (config: { clientSecret: string; refreshToken: string }) => Effect.Effect<never, AuthRevoked | ServiceUnavailable> = () =>
  Effect.dieMessage("no answer set")
let rotateFirst = false

/** The form body a token request carries, as a token endpoint that echoes it would repeat it. */
const form = (config: { clientSecret: string; refreshToken: string }) =>
  new URLSearchParams({ grant_type: "refresh_token", refresh_token: config.refreshToken, client_id: "client-1", client_secret: config.clientSecret }).toString()

const Config = Schema.Struct({ clientId: Schema.String, clientSecret: Schema.Redacted(Schema.String), refreshToken: Schema.Redacted(Schema.String) })

const echo = defineConnector({
  id: "echo",
  name: "Echo",
  version: "1.0.0",
  settings: Schema.Struct({}),
  config: Config,
  cursor: Schema.Number,
  fields: [new FieldDefinition({ key: "company", label: "Company", type: "text" })],
  deletions: "never",
  accountKey: () => "echo",
  pull: ({ config, saveConfig }) =>
    Stream.fromEffect(Effect.gen(function*() {
      let current = { clientSecret: Redacted.value(config.clientSecret), refreshToken: Redacted.value(config.refreshToken) }
      if (rotateFirst) {
        yield* saveConfig({ ...config, refreshToken: Redacted.make(rotated) })
        current = { ...current, refreshToken: rotated }
      }
      return yield* answer(current)
    }))
})

const engine = (storeLayer: Layer.Layer<Store>) =>
  SyncEngine.Default.pipe(
    Layer.provideMerge(storeLayer),
    Layer.provide(Layer.succeed(Connectors, Connectors.fromList([{ connector: echo, settings: {} }]))),
    Layer.provide(RateLimiter.layer),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, HttpClient.make(() => Effect.dieMessage("no requests here"))))
  )

const leaks = (text: string | null) =>
  text === null ? [] : [clientSecret, encodeURIComponent(clientSecret), JSON.stringify(clientSecret).slice(1, -1), refreshToken, refreshToken.slice(0, 12), encodeURIComponent(refreshToken), rotated]
    .filter((secret) => text.includes(secret))

let imports = 0

const suite = (name: string, storeLayer: Layer.Layer<Store>) =>
  layer(engine(storeLayer), { timeout: "60 seconds" })(`secrets echoed by a service (${name})`, (it) => {
    const setup = Effect.gen(function*() {
      const store = yield* Store
      const accountId = AccountId.make(`redaction-${process.pid}`)
      yield* store.ensureAccount(accountId)
      const list = yield* store.ensureList(accountId, "Echo")
      const imp = yield* store.createImport(
        { accountId, connectorId: echo.id, name: `echo ${++imports}`, config: { clientId: "client-1", clientSecret, refreshToken }, listIds: [list.id] },
        new Date(0)
      )
      return { store, imp, sync: (yield* SyncEngine).sync }
    })

    it.effect("an error echoing the token request (form-encoded, JSON-quoted, as sent) is stored with <redacted>", () =>
      Effect.gen(function*() {
        rotateFirst = false
        answer = (config) =>
          Effect.fail(new AuthRevoked({
            service: "Echo",
            detail: `token endpoint answered HTTP 400 invalid_request (could not parse ${form(config)}; ` +
              `body ${JSON.stringify({ refresh_token: config.refreshToken, client_secret: config.clientSecret })}; ` +
              `raw ${config.clientSecret} ${config.refreshToken}; cut ${config.refreshToken.slice(0, 12)}…)`
          }))
        const { imp, store, sync } = yield* setup
        const report = yield* sync(imp.id)
        assert.strictEqual(report.run.outcome, "needs-attention")
        assert.include(report.run.message!, "client_id=client-1")
        assert.include(report.run.message!, "refresh_token=<redacted>&client_id=client-1&client_secret=<redacted>")
        assert.deepStrictEqual(leaks(report.run.message), [])
        const stored = yield* store.getImport(imp.id)
        assert.strictEqual(stored.status, "needs-attention")
        assert.deepStrictEqual(leaks(stored.statusReason), [])
        assert.include(stored.statusReason!, "<redacted>")
        const [run] = yield* store.listRuns(imp.id, 1)
        assert.deepStrictEqual(leaks(run!.message), [])
      }))

    it.effect("a refresh token rotated during the run is redacted too, and a huge message is capped", () =>
      Effect.gen(function*() {
        rotateFirst = true
        answer = (config) => Effect.fail(new ServiceUnavailable({ service: "Echo", detail: `echo ${config.refreshToken} ${"x".repeat(10_000)}` }))
        const { imp, store, sync } = yield* setup
        const report = yield* sync(imp.id)
        assert.strictEqual(report.run.outcome, "stopped")
        assert.deepStrictEqual(leaks(report.run.message), [])
        assert.include(report.run.message!, "echo <redacted> xxx")
        assert.isAtMost(report.run.message!.length, maxMessageLength)
        const [run] = yield* store.listRuns(imp.id, 1)
        assert.isAtMost(run!.message!.length, maxMessageLength)
      }))

    it.effect("a defect carrying the secrets is neither stored nor logged with them", () =>
      Effect.gen(function*() {
        rotateFirst = false
        answer = (config) => Effect.die(new Error(`unexpected answer to ${form(config)}`))
        const lines: Array<string> = []
        const { imp, sync } = yield* setup
        const report = yield* sync(imp.id).pipe(
          Effect.provide(Logger.replace(Logger.defaultLogger, Logger.make(({ message }) => {
            lines.push(Array.isArray(message) ? message.map(String).join(" ") : String(message))
          })))
        )
        assert.strictEqual(report.run.outcome, "failed")
        assert.deepStrictEqual(leaks(report.run.message), [])
        const logged = lines.join("\n")
        assert.include(logged, "unexpected answer to grant_type=refresh_token&refresh_token=<redacted>")
        assert.deepStrictEqual(leaks(logged), [])
      }))
  })

suite("SQLite", layerSqliteTest)
suite("Postgres", layerPgTest)
