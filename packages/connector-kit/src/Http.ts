/**
 * One shaped HTTP client per external service: base URL, `Accept: application/json`, bearer
 * auth, the shared request budget, bounded requests (headers, body and a deadline, see
 * {@link Limits}), a bounded number of requests per pull, retries of transient failures, and
 * every failure mapped to a core error at this boundary. Connectors build it once per pull with
 * {@link make} and never see a platform error.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { formatParseError } from "@autoimport/core/Connector"
import {
  AuthRevoked,
  type ConnectorError,
  MalformedResponse,
  RateLimited,
  RequestLimitReached,
  ServiceUnavailable
} from "@autoimport/core/Errors"
import { RateLimiter, type RatePolicy } from "@autoimport/core/RateLimiter"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schedule from "effect/Schedule"
import type * as Schema from "effect/Schema"
import { decodeUnknown } from "effect/Schema"
import * as Stream from "effect/Stream"

/**
 * The retry schedule for transient failures (5xx, 429 with a short Retry-After, transport
 * errors, timeouts). Default: exponential from 500 ms with jitter, each delay capped at 10 s,
 * at most 4 retries. Override it with `Effect.provideService(Http.RetrySchedule, ...)` (or
 * `Layer.succeed`), e.g. `Schedule.recurs(2)` in tests, or drive the default with `TestClock`.
 */
export class RetrySchedule extends Context.Reference<RetrySchedule>()("@autoimport/connector-kit/Http/RetrySchedule", {
  defaultValue: (): Schedule.Schedule<unknown, unknown> =>
    Schedule.exponential("500 millis", 2).pipe(
      Schedule.jittered,
      Schedule.modifyDelay((delay) => Duration.min(delay, Duration.seconds(10))),
      Schedule.intersect(Schedule.recurs(4))
    )
}) {}

export interface LimitsShape {
  /** The longest pause between two pieces of a response body. */
  readonly idleTimeout: Duration.DurationInput
  /** The longest one attempt may take, from sending to the last byte of the body. */
  readonly deadline: Duration.DurationInput
  /** The most requests one client (one pull) sends; the next one fails with `RequestLimitReached`. */
  readonly requestsPerSync: number
}

/**
 * How long a service may take and how often a sync may ask: without them a service that sends
 * its headers and then stalls, trickles its body, or keeps answering with one more page keeps a
 * sync (its lease and a concurrency slot) forever. Operator settings: the runner provides its
 * configuration here (runner/src/Setup.ts); a client's own {@link Options} override them.
 */
export class Limits extends Context.Reference<Limits>()("@autoimport/connector-kit/Http/Limits", {
  defaultValue: (): LimitsShape => defaultLimits
}) {}

export const defaultLimits: LimitsShape = {
  idleTimeout: Duration.seconds(30),
  deadline: Duration.minutes(2),
  requestsPerSync: 1000
}

/** Where a connector's access token comes from; {@link OAuth2.make} builds one. */
export interface Auth {
  /** The current access token (fetched or refreshed when needed). */
  readonly token: Effect.Effect<Redacted.Redacted<string>, ConnectorError>
  /** Forgets the current token: called once after a 401/403, before the single retry. */
  readonly invalidate: Effect.Effect<void>
}

/** A non-2xx answer the kit has no rule for, with its body text (for the connector's own mapping). */
export interface UnexpectedStatus {
  readonly request: HttpClientRequest.HttpClientRequest
  readonly status: number
  readonly body: string
}

export interface Options {
  /** The service's name as users see it, used in every error (`"Google Contacts"`). */
  readonly service: string
  /** Prepended to every request URL. */
  readonly baseUrl: string
  /**
   * The shared request budget: every request first takes one unit of `key`'s bucket, and a 429
   * pauses the whole key. Omit for endpoints outside the service's quota (a token endpoint).
   */
  readonly rateLimit?: {
    readonly key: string
    readonly policy: RatePolicy
    /**
     * The units one request takes, read when it is sent. Default 1. For cost-based quotas
     * (Shopify's GraphQL query cost), where a request is worth what the service charges for it.
     */
    readonly cost?: () => number
  }
  /** Sends `Authorization: Bearer <token>`; a 401/403 invalidates it and retries once. */
  readonly auth?: Auth
  /**
   * How the token goes on a request, for services that do not take `Authorization: Bearer`
   * (Shopify's `X-Shopify-Access-Token`, an API-key header). Default: {@link bearer}.
   */
  readonly authorize?: (request: HttpClientRequest.HttpClientRequest, token: Redacted.Redacted<string>) => HttpClientRequest.HttpClientRequest
  /** Per attempt, from sending to the response headers. Default 30 s. */
  readonly timeout?: Duration.DurationInput
  /** Overrides {@link Limits} `idleTimeout` for this client. */
  readonly idleTimeout?: Duration.DurationInput
  /** Overrides {@link Limits} `deadline` for this client. */
  readonly deadline?: Duration.DurationInput
  /** Overrides {@link Limits} `requestsPerSync` for this client. */
  readonly requestsPerSync?: number
  /**
   * A 429 whose Retry-After is longer than this ends the pull with `RateLimited` at once
   * (the import continues at its next slot) instead of waiting in the retry. Default 60 s.
   */
  readonly maxRetryAfter?: Duration.DurationInput
  /**
   * Maps service-specific failures (an expired sync token, a not-found store, ...). Statuses
   * it returns undefined for, other than 401/403/429/5xx, are defects: our request was wrong.
   */
  readonly unexpectedStatus?: (failure: UnexpectedStatus) => ConnectorError | undefined
}

export interface ServiceClient {
  /** Sends a request whose URL is relative to the base URL; resolves with a 2xx response. */
  readonly execute: (request: HttpClientRequest.HttpClientRequest) => Effect.Effect<HttpClientResponse.HttpClientResponse, ConnectorError>
  /** `execute`, then {@link decodeJson} of the body; `what` names the response in errors. */
  readonly json: <A, I, R>(
    request: HttpClientRequest.HttpClientRequest,
    schema: Schema.Schema<A, I, R>,
    what: string
  ) => Effect.Effect<A, ConnectorError, R>
}

/** 401/403 before the single retry; never leaves this module. */
class Unauthorized extends Data.TaggedError("Unauthorized")<{ readonly detail: string }> {}

export const make = (options: Options): Effect.Effect<ServiceClient, never, HttpClient.HttpClient | RateLimiter> =>
  Effect.gen(function*() {
    const limiter = yield* RateLimiter
    const limits = yield* Limits
    const timeout = options.timeout ?? Duration.seconds(30)
    const idleTimeout = Duration.decode(options.idleTimeout ?? limits.idleTimeout)
    const deadline = Duration.decode(options.deadline ?? limits.deadline)
    const requestsPerSync = options.requestsPerSync ?? limits.requestsPerSync
    let requests = 0
    const maxRetryAfter = Duration.toMillis(options.maxRetryAfter ?? Duration.minutes(1))
    const { auth, rateLimit, service } = options
    const authorize = options.authorize ?? bearer

    const shaped = (yield* HttpClient.HttpClient).pipe(
      HttpClient.mapRequest((request) => HttpClientRequest.acceptJson(HttpClientRequest.prependUrl(request, options.baseUrl))),
      HttpClient.mapRequestEffect((request) =>
        auth === undefined
          ? Effect.succeed(request)
          : Effect.map(auth.token, (token) => authorize(request, token))
      ),
      // Before the status check, so an error answer's body is bounded like any other.
      HttpClient.transformResponse((response) => whole(response, { headers: Duration.decode(timeout), idle: idleTimeout, deadline })),
      HttpClient.filterStatusOk,
      // Outside the timeout: waiting for budget is not the service being slow.
      HttpClient.transformResponse((response) => rateLimit === undefined ? response : Effect.zipRight(limiter.take(rateLimit.key, rateLimit.policy, rateLimit.cost?.() ?? 1), response)),
      HttpClient.transformResponse((response) => Effect.catchIf(response, isStatus(429), onRateLimited))
    )

    function onRateLimited(error: HttpClientError.ResponseError): Effect.Effect<never, HttpClientError.ResponseError | RateLimited> {
      return Effect.gen(function*() {
        const wait = yield* retryAfterMillis(error.response)
        if (rateLimit !== undefined && wait !== undefined) yield* limiter.pause(rateLimit.key, wait)
        // A long wait is not worth holding the import's lease: stop, the next slot continues.
        if (wait !== undefined && wait > maxRetryAfter) return yield* new RateLimited({ service, retryAfterMillis: wait })
        return yield* error
      })
    }

    const failure = (error: HttpClientError.ResponseError): Effect.Effect<never, ConnectorError | Unauthorized> =>
      Effect.gen(function*() {
        const status = error.response.status
        const text = yield* bodyText(error.response)
        const body = excerpt(text)
        if (status === 429) {
          const wait = yield* retryAfterMillis(error.response)
          return yield* new RateLimited(wait === undefined ? { service } : { service, retryAfterMillis: wait })
        }
        if (status === 401 || status === 403) return yield* new Unauthorized({ detail: `HTTP ${status}: ${body}` })
        // 408 and 5xx were retried with the rest of the transient failures.
        if (status >= 500 || status === 408) return yield* new ServiceUnavailable({ service, detail: `HTTP ${status} after retries: ${body}` })
        const mapped = options.unexpectedStatus?.({ request: error.request, status, body: text })
        if (mapped === undefined) {
          return yield* Effect.die(new Error(`${service} answered ${error.request.method} ${error.request.url} with HTTP ${status}: ${body}`))
        }
        return yield* Effect.fail(mapped)
      })

    const send = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.flatMap(RetrySchedule, (schedule) => shaped.pipe(HttpClient.retryTransient(schedule)).execute(request)).pipe(
        Effect.catchTags({
          ResponseError: (error) =>
            error.reason === "StatusCode"
              ? failure(error)
              : Effect.fail(new ServiceUnavailable({ service, detail: error.message })),
          RequestError: (error) =>
            error.reason === "Transport"
              ? Effect.fail(new ServiceUnavailable({ service, detail: `${error.message} after retries` }))
              : Effect.die(error),
          TimeoutException: (error) => Effect.fail(new ServiceUnavailable({ service, detail: `${error.message}, after retries` }))
        })
      )

    // Counted before sending: a service answering page after page (a new token each time, or an
    // empty page with a next token) must not keep a sync going; retries are bounded on their own.
    const counted = Effect.suspend(() =>
      ++requests > requestsPerSync ? Effect.fail(new RequestLimitReached({ service, limit: requestsPerSync })) : Effect.void
    )

    const execute = (request: HttpClientRequest.HttpClientRequest) =>
      Effect.zipRight(counted, send(request)).pipe(
        Effect.catchTag("Unauthorized", (first) =>
          auth === undefined
            ? Effect.fail(new AuthRevoked({ service, detail: first.detail }))
            : Effect.zipRight(auth.invalidate, send(request)).pipe(
              Effect.catchTag("Unauthorized", (again) => Effect.fail(new AuthRevoked({ service, detail: again.detail })))
            ))
      )

    return {
      execute,
      json: (request, schema, what) => Effect.flatMap(execute(request), decodeJson(schema, { service, what }))
    } satisfies ServiceClient
  })

/**
 * The response with its body read whole within the limits: headers within `headers`, no pause
 * between body pieces longer than `idle`, everything within `deadline`. The header timeout alone
 * let a service that answers its headers and then stalls (or sends a byte every few seconds)
 * hold a sync forever. Each limit fails with a `TimeoutException`, which the retry treats as
 * transient and `make` maps to `ServiceUnavailable` after the retries; the interrupted read
 * aborts the request, so the socket is not left behind.
 */
const whole = <E, R>(
  response: Effect.Effect<HttpClientResponse.HttpClientResponse, E, R>,
  limits: { readonly headers: Duration.Duration; readonly idle: Duration.Duration; readonly deadline: Duration.Duration }
) =>
  Effect.gen(function*() {
    const head = yield* Effect.timeoutFail(response, {
      duration: limits.headers,
      onTimeout: () => new Cause.TimeoutException(`no answer within ${Duration.format(limits.headers)}`)
    })
    const chunks: Array<Uint8Array> = []
    yield* head.stream.pipe(
      Stream.timeoutFail(() => new Cause.TimeoutException(`the answer stalled: no data for ${Duration.format(limits.idle)}`), limits.idle),
      Stream.runForEach((chunk) => Effect.sync(() => chunks.push(chunk)))
    )
    return rebuild(head, chunks)
  }).pipe(
    Effect.timeoutFail({
      duration: limits.deadline,
      onTimeout: () => new Cause.TimeoutException(`the answer was not complete within ${Duration.format(limits.deadline)}`)
    })
  )

/** The same answer over the buffered body; length and encoding headers described the wire bytes. */
const rebuild = (head: HttpClientResponse.HttpClientResponse, chunks: ReadonlyArray<Uint8Array>) => {
  const headers = Object.entries(head.headers).filter(([name]) =>
    name !== "content-length" && name !== "content-encoding" && name !== "transfer-encoding"
  )
  const size = chunks.reduce((n, chunk) => n + chunk.length, 0)
  const body = new Uint8Array(size)
  let at = 0
  for (const chunk of chunks) {
    body.set(chunk, at)
    at += chunk.length
  }
  // 204/205/304 must not carry a body in a fetch `Response`.
  const empty = size === 0 || head.status === 204 || head.status === 205 || head.status === 304
  return HttpClientResponse.fromWeb(head.request, new Response(empty ? null : body, { status: head.status, headers }))
}

/** `Authorization: Bearer <token>`: how {@link make} sends the token unless told otherwise. */
export const bearer = (request: HttpClientRequest.HttpClientRequest, token: Redacted.Redacted<string>): HttpClientRequest.HttpClientRequest =>
  HttpClientRequest.bearerToken(request, Redacted.value(token))

/**
 * Decodes a JSON body with `schema`. A body that is not JSON (or is cut short) or does not match
 * becomes `MalformedResponse` naming `what` and each mismatching path.
 */
export const decodeJson = <A, I, R>(schema: Schema.Schema<A, I, R>, context: { readonly service: string; readonly what: string }) =>
(response: HttpClientResponse.HttpClientResponse): Effect.Effect<A, MalformedResponse, R> =>
  response.json.pipe(
    Effect.mapError((error) =>
      new MalformedResponse({ service: context.service, detail: `${context.what}: the body is not JSON (${error.description ?? error.reason})` })
    ),
    Effect.flatMap((body) =>
      decodeUnknown(schema)(body, { onExcessProperty: "ignore" }).pipe(
        Effect.mapError((error) => new MalformedResponse({ service: context.service, detail: `${context.what}: ${formatParseError(error)}` }))
      )
    )
  )

/**
 * `Retry-After` in milliseconds from now: delay-seconds or an HTTP date (RFC 9110 §10.2.3).
 * None when absent or unreadable; a date in the past is 0.
 */
export const parseRetryAfter = (value: string | undefined, nowMillis: number): Option.Option<number> => {
  if (value === undefined || value.trim() === "") return Option.none()
  const text = value.trim()
  if (/^\d+(\.\d+)?$/.test(text)) return Option.some(Math.round(Number(text) * 1000))
  const at = Date.parse(text)
  return Number.isNaN(at) ? Option.none() : Option.some(Math.max(0, at - nowMillis))
}

const retryAfterMillis = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.map(Clock.currentTimeMillis, (now) => Option.getOrUndefined(parseRetryAfter(response.headers["retry-after"], now)))

const isStatus = (status: number) => (error: unknown): error is HttpClientError.ResponseError =>
  typeof error === "object" && error !== null && (error as any)._tag === "ResponseError" &&
  (error as HttpClientError.ResponseError).reason === "StatusCode" &&
  (error as HttpClientError.ResponseError).response.status === status

const bodyText = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.orElseSucceed(response.text, () => "(no readable body)")

const excerpt = (text: string) => (text.length > 500 ? `${text.slice(0, 500)}…` : text)
