/**
 * The runner's HTTP side (docs/design.md §6): `/healthz` (the process is up), `/readyz` (the database
 * answers), Prometheus `/metrics`, the admin JSON API under `/api` (the CLI's views, and
 * creating an import) and the setup page of R7 at `/`. It listens on 127.0.0.1 by default; when
 * a token is configured (it must be when the host is reachable from elsewhere) `/api` requires
 * `Authorization: Bearer <token>`. Every request first passes `HttpGuard.ts` (Host, Origin, body
 * size); every `/api` request and `/readyz` is bounded by `http.databaseTimeout`.
 */
import { Connector, Store } from "@autoimport/core"
import * as HttpRouter from "@effect/platform/HttpRouter"
import * as HttpServer from "@effect/platform/HttpServer"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { createServer } from "node:http"
import { timingSafeEqual } from "node:crypto"
import { Config, describeParseError } from "./Config.js"
import * as HttpGuard from "./HttpGuard.js"
import * as Imports from "./Imports.js"
import { setupPage } from "./internal/ui.js"
import * as Limits from "./Limits.js"
import * as Metrics from "./Metrics.js"
import { Scheduler } from "./Scheduler.js"
import { defaultAccountId } from "./Setup.js"
import * as Views from "./Views.js"

export class HttpUnavailable extends Schema.TaggedError<HttpUnavailable>()("HttpUnavailable", {
  address: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `cannot serve HTTP on ${this.address}: ${this.detail} (choose another http.port / AUTOIMPORT_HTTP_PORT)`
  }
}

const json = (body: unknown, status = 200) => HttpServerResponse.unsafeJson(body, { status })
const problem = (status: number, message: string) => json({ error: message }, status)

const query = Effect.map(HttpServerRequest.ParsedSearchParams, (params) => (name: string) => {
  const value = params[name]
  return Array.isArray(value) ? value[0] : value
})

const positiveInt = (text: string | undefined, fallback: number) => {
  const n = text === undefined ? fallback : Number(text)
  return Number.isSafeInteger(n) && n > 0 ? n : undefined
}

const NewImport = Schema.Struct({
  connector: Schema.String.pipe(Schema.maxLength(Limits.maxLabelLength)),
  name: Limits.Label,
  list: Schema.optional(Limits.Label),
  config: Schema.Unknown
})

/**
 * The admin API's routes, whose error type must be `never`: every error a route can fail with is
 * given its status by the `catchTags` at their end, so one that a route starts to fail with does
 * not compile until it has a status, rather than reaching the client as a bare 500.
 */
const answered = <R>(router: HttpRouter.HttpRouter<never, R>) => router

const api = answered(HttpRouter.empty.pipe(
  HttpRouter.get("/imports", Effect.map(Views.imports(), (imports) => json({ imports }))),
  HttpRouter.get(
    "/imports/:id",
    Effect.flatMap(HttpRouter.params, ({ id }) => Effect.map(Views.importById(id ?? ""), (imp) => json(imp)))
  ),
  HttpRouter.get(
    "/imports/:id/runs",
    Effect.gen(function*() {
      const { id } = yield* HttpRouter.params
      const param = yield* query
      const limit = positiveInt(param("limit"), 20)
      if (limit === undefined) return problem(400, "limit: expected a positive integer")
      return json(yield* Views.runs(id ?? "", { limit, skips: param("skips") === "true" }))
    })
  ),
  HttpRouter.get(
    "/contacts",
    Effect.gen(function*() {
      const param = yield* query
      const limit = positiveInt(param("limit"), 100)
      if (limit === undefined) return problem(400, "limit: expected a positive integer")
      return json(yield* Views.contacts({ email: param("email"), list: param("list"), limit }))
    })
  ),
  HttpRouter.post(
    "/imports",
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      // JSON only: a cross-site form cannot send it without a CORS preflight, which is refused.
      if (!request.headers["content-type"]?.startsWith("application/json")) {
        return problem(415, "send the import as application/json")
      }
      const body = yield* HttpServerRequest.schemaBodyJson(NewImport)
      const { connector } = yield* Effect.flatMap(Connector.Connectors, (connectors) => connectors.get(body.connector))
      const config = yield* Imports.validate(connector, "config", body.config)
      const imp = yield* Imports.create({ config, name: body.name, list: body.list ?? connector.name })
      yield* Effect.flatMap(Scheduler, (scheduler) => scheduler.wake)
      return json(yield* Views.importView(imp), 201)
    })
  ),
  HttpRouter.get("/fields", Effect.map(Views.fields, (fields) => json({ fields }))),
  HttpRouter.get("/lists", Effect.map(Views.lists, (lists) => json({ lists }))),
  HttpRouter.get("/connectors", Effect.map(Views.connectors, (connectors) => json({ connectors }))),
  HttpRouter.get("/account", Effect.map(Views.account, (account) => json(account))),
  HttpRouter.catchTags({
    ImportNotFound: (e) => Effect.succeed(problem(404, e.message)),
    UnknownList: (e) => Effect.succeed(problem(404, e.message)),
    ParseError: (e) => Effect.succeed(problem(400, `the request body: ${describeParseError(e).join("; ")}`)),
    RequestError: (e) => Effect.succeed(problem(400, `the request body: ${e.message}`)),
    InvalidConfig: (e) => Effect.succeed(problem(400, e.message)),
    ConnectorNotLoaded: (e) => Effect.succeed(problem(400, e.message))
  })
))

export class DatabaseTimeout extends Schema.TaggedError<DatabaseTimeout>()("DatabaseTimeout", {
  timeout: Schema.String
}) {
  override get message() {
    return `the database did not answer within ${this.timeout}; try again later`
  }
}

/**
 * Bounds every admin API request by `timeout` (503 past it): a database that stops answering
 * (a black-holed connection) would otherwise hold the request until the socket is cut. The
 * work is disconnected, so the answer does not wait for the stuck query to be interrupted.
 */
const withDeadline = (timeout: Duration.Duration) =>
<E, R>(router: HttpRouter.HttpRouter<E, R>): HttpRouter.HttpRouter<E, R | HttpServerRequest.HttpServerRequest> =>
  HttpRouter.use(router, (app) =>
    Effect.gen(function*() {
      const request = yield* HttpServerRequest.HttpServerRequest
      // The body takes the client's time, not the database's: read it (bounded, cached for the
      // route) before the clock starts. A failed read is the route's to report.
      if (HttpGuard.hasBody(request)) yield* Effect.ignore(request.text)
      return yield* Effect.disconnect(app).pipe(Effect.timeoutTo({
        duration: timeout,
        onSuccess: (response) => response,
        onTimeout: () => problem(503, new DatabaseTimeout({ timeout: Duration.format(timeout) }).message)
      }))
    }))

const bearer = (token: Redacted.Redacted<string>) => {
  const expected = Buffer.from(`Bearer ${Redacted.value(token)}`)
  return <E, R>(router: HttpRouter.HttpRouter<E, R>): HttpRouter.HttpRouter<E, R | HttpServerRequest.HttpServerRequest> =>
    HttpRouter.use(router, (app) =>
      Effect.flatMap(HttpServerRequest.HttpServerRequest, (request) => {
        const given = Buffer.from(request.headers["authorization"] ?? "")
        return given.length === expected.length && timingSafeEqual(given, expected)
          ? app
          : Effect.succeed(problem(401, "the admin API needs the header Authorization: Bearer <AUTOIMPORT_ADMIN_TOKEN>"))
      }))
}

/** Serves until its scope closes (shutdown stops accepting connections first). */
export const layer = Layer.unwrapScoped(
  Effect.gen(function*() {
    const config = yield* Config
    const store = yield* Store.Store
    const ready = Effect.gen(function*() {
      const answered = yield* Effect.disconnect(store.getAccount(defaultAccountId)).pipe(
        Effect.timeout(config.http.databaseTimeout),
        Effect.as(true),
        Effect.catchAllCause(() => Effect.succeed(false))
      )
      return answered ? HttpServerResponse.text("ready\n") : problem(503, "the database does not answer")
    })
    const timedApi = api.pipe(withDeadline(config.http.databaseTimeout))
    const guardedApi = Option.match(config.http.adminToken, { onNone: () => timedApi, onSome: (token) => timedApi.pipe(bearer(token)) })
    const router = HttpRouter.empty.pipe(
      HttpRouter.get("/", Effect.succeed(HttpServerResponse.html(setupPage))),
      HttpRouter.get("/healthz", Effect.succeed(HttpServerResponse.text("ok\n"))),
      HttpRouter.get("/readyz", ready),
      HttpRouter.get(
        "/metrics",
        Effect.map(Metrics.prometheus, (text) => HttpServerResponse.text(text, { contentType: "text/plain; version=0.0.4" }))
      ),
      HttpRouter.mount("/api", guardedApi)
    )
    return router.pipe(
      HttpGuard.guard(HttpGuard.policy(config)),
      HttpServer.serve(),
      HttpServer.withLogAddress,
      Layer.provide(NodeHttpServer.layer(createServer, { port: config.http.port, host: config.http.host })),
      Layer.mapError((e) =>
        new HttpUnavailable({
          address: `${config.http.host}:${config.http.port}`,
          detail: e.cause instanceof Error ? e.cause.message : String(e.cause)
        })
      )
    )
  })
)
