/**
 * HubSpot's answers differ from what the kit's generic rules expect in three places; these
 * adapters rewrite them on the way in, so the kit's `Http` and `OAuth2` apply unchanged:
 *
 * - a 429 without `Retry-After` (its presence is unconfirmed, README.md §6) gets the wait its
 *   policy implies: 1 s for the secondly (search) limit, 10 s for `TEN_SECONDLY_ROLLING`, and the
 *   next UTC midnight for `DAILY` (longer than the kit's `maxRetryAfter`, so the run stops with
 *   `RateLimited` instead of retrying all day);
 * - a token answer in camelCase (`accessToken`, `expiresIn`: one v3 reference page shows it,
 *   unconfirmed for the wire) becomes the RFC 6749 snake_case the kit decodes;
 * - a revoked refresh token answered only with the older `{"status":"BAD_REFRESH_TOKEN"}` body
 *   gets `"error":"invalid_grant"`, so the kit reports `AuthRevoked` (§2).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientResponse from "@effect/platform/HttpClientResponse"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { ErrorEnvelope } from "./api.js"

/** A JSON object, for rewriting token answers field by field. */
const parse = (text: string): Record<string, unknown> | undefined => {
  try {
    const value: unknown = JSON.parse(text)
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value as Record<string, unknown> : undefined
  } catch {
    return undefined
  }
}

/** The same answer with a new body; length and encoding headers described the old bytes. */
const rebuild = (response: HttpClientResponse.HttpClientResponse, body: string, extraHeaders: Record<string, string> = {}) => {
  const headers = Object.entries(response.headers).filter(([name]) => name !== "content-length" && name !== "content-encoding")
  return HttpClientResponse.fromWeb(
    response.request,
    new Response(body, { status: response.status, headers: { ...Object.fromEntries(headers), ...extraHeaders } })
  )
}

/** Seconds to wait for a 429 body that names no Retry-After (README.md §6 fallback waits). */
export const fallbackRetryAfterSeconds = (body: Option.Option<ErrorEnvelope>, nowMillis: number): number => {
  const policy = Option.match(body, { onNone: () => "", onSome: (error) => (error.policyName ?? "").toUpperCase() })
  if (policy === "DAILY") {
    const midnight = new Date(nowMillis)
    midnight.setUTCHours(24, 0, 0, 0)
    return Math.ceil((midnight.getTime() - nowMillis) / 1000)
  }
  if (policy === "TEN_SECONDLY_ROLLING" || Option.exists(body, (error) => /ten_secondly/i.test(error.message))) return 10
  return 1
}

const withRetryAfter = (response: HttpClientResponse.HttpClientResponse) =>
  response.status !== 429 || response.headers["retry-after"] !== undefined
    ? Effect.succeed(response)
    : Effect.gen(function*() {
      const text = yield* Effect.orElseSucceed(response.text, () => "")
      const seconds = fallbackRetryAfterSeconds(Schema.decodeUnknownOption(Schema.parseJson(ErrorEnvelope))(text), yield* Clock.currentTimeMillis)
      return rebuild(response, text, { "retry-after": String(seconds) })
    })

/** For every HubSpot request: a 429 always carries a Retry-After. */
export const rateLimitAware = <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> =>
  HttpClient.transformResponse(client, Effect.flatMap(withRetryAfter))

const tokenAnswer = (response: HttpClientResponse.HttpClientResponse) =>
  Effect.gen(function*() {
    const text = yield* Effect.orElseSucceed(response.text, () => "")
    const body = parse(text)
    if (body === undefined) return rebuild(response, text)
    if (response.status < 300 && body["access_token"] === undefined && body["accessToken"] !== undefined) {
      const snake = {
        access_token: body["accessToken"],
        refresh_token: body["refreshToken"],
        expires_in: body["expiresIn"],
        token_type: body["tokenType"]
      }
      return rebuild(response, JSON.stringify(snake))
    }
    if (response.status >= 400 && body["error"] === undefined && body["status"] === "BAD_REFRESH_TOKEN") {
      return rebuild(response, JSON.stringify({ ...body, error: "invalid_grant", error_description: body["message"] }))
    }
    return rebuild(response, text)
  })

/** For the token endpoint: both token spellings and both revoked-token bodies. */
export const tokenEndpoint = <E, R>(client: HttpClient.HttpClient.With<E, R>): HttpClient.HttpClient.With<E, R> =>
  HttpClient.transformResponse(rateLimitAware(client), Effect.flatMap(tokenAnswer))
