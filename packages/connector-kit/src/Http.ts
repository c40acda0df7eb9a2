/**
 * One shaped HTTP client per external service: base URL, `Accept: application/json`, bearer
 * auth, the shared request budget, a per-request timeout, retries of transient failures, and
 * every failure mapped to a core error at this boundary. Connectors build it once per pull with
 * {@link make} and never see a platform error.
 */
import * as HttpClient from "@effect/platform/HttpClient"
import type * as HttpClientError from "@effect/platform/HttpClientError"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import type * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import { formatParseError } from "@autoimport/core/Connector"
import {
  AuthRevoked,
  type ConnectorError,
  MalformedResponse,
  RateLimited,
  ServiceUnavailable
} from "@autoimport/core/Errors"
import { RateLimiter, type RatePolicy } from "@autoimport/core/RateLimiter"
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
    const timeout = options.timeout ?? Duration.seconds(30)
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
      HttpClient.filterStatusOk,
      HttpClient.transformResponse(Effect.timeout(timeout)),
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
          TimeoutException: () =>
            Effect.fail(new ServiceUnavailable({ service, detail: `no answer within ${Duration.format(timeout)}, after retries` }))
        })
      )

    const execute = (request: HttpClientRequest.HttpClientRequest) =>
      send(request).pipe(
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
