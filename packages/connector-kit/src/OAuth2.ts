/**
 * OAuth 2.0 refresh-token grant (RFC 6749 §6): turns a long-lived refresh token into access
 * tokens, cached until shortly before they expire (by the Effect `Clock`) and refreshed on
 * demand or after a 401. Plug the result into {@link Http.make} as its `auth`.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { AuthRevoked, type ConnectorError } from "@autoimport/core/Errors"
import type { RateLimiter } from "@autoimport/core/RateLimiter"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Http from "./Http.js"

export interface Options {
  /** The service's name as users see it, used in errors. */
  readonly service: string
  /** The token endpoint (an operator setting, so tests and proxies can point it elsewhere). */
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
  /**
   * Called with a new refresh token when the server rotates it, before the new access token is
   * used (wire it to `PullRequest.saveConfig`): a rotated token that is not stored is lost, and
   * with it the connection.
   */
  readonly onRotate?: (refreshToken: Redacted.Redacted<string>) => Effect.Effect<void>
  /** A token is refreshed this long before it expires. Default 60 s. */
  readonly expiryMargin?: Duration.DurationInput
  /** Per token request. Default 30 s. */
  readonly timeout?: Duration.DurationInput
}

/** The token endpoint's success answer; unknown fields (`id_token`, ...) are ignored. */
export const TokenResponse = Schema.Struct({
  access_token: Schema.NonEmptyString,
  token_type: Schema.optional(Schema.String),
  /** Seconds; absent means the server did not say (treated as one hour). */
  expires_in: Schema.optional(Schema.Number),
  refresh_token: Schema.optional(Schema.NonEmptyString),
  scope: Schema.optional(Schema.String)
})

/** The token endpoint's error answer (RFC 6749 §5.2). */
export const TokenError = Schema.Struct({
  error: Schema.String,
  error_description: Schema.optional(Schema.String)
})

interface Cached {
  readonly token: Redacted.Redacted<string>
  readonly refreshAt: number
}

export const make = (options: Options): Effect.Effect<Http.Auth, never, HttpClient.HttpClient | RateLimiter> =>
  Effect.gen(function*() {
    const { service } = options
    const margin = Duration.toMillis(options.expiryMargin ?? Duration.seconds(60))
    const client = yield* Http.make({
      service,
      baseUrl: options.tokenUrl,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      unexpectedStatus: ({ body, status }) => {
        // Any RFC 6749 error here means the grant cannot work as configured (a malformed request
        // would be our bug, but retrying it cannot help either): the user must reconnect.
        const error = Option.getOrUndefined(Schema.decodeUnknownOption(Schema.parseJson(TokenError))(body))
        if (error === undefined) return undefined
        const description = error.error_description ? ` (${error.error_description})` : ""
        return new AuthRevoked({ service, detail: `token endpoint answered HTTP ${status} ${error.error}${description}` })
      }
    })
    let refreshToken = options.refreshToken
    let cached: Cached | undefined
    // One refresh at a time: concurrent callers wait for it instead of spending the grant twice.
    const lock = yield* Effect.makeSemaphore(1)

    const refresh = Effect.gen(function*() {
      const request = HttpClientRequest.post("").pipe(
        HttpClientRequest.bodyUrlParams({
          grant_type: "refresh_token",
          refresh_token: Redacted.value(refreshToken),
          client_id: options.clientId,
          client_secret: Redacted.value(options.clientSecret)
        })
      )
      const answer = yield* client.json(request, TokenResponse, "token response")
      if (answer.refresh_token !== undefined && answer.refresh_token !== Redacted.value(refreshToken)) {
        const rotated = Redacted.make(answer.refresh_token)
        if (options.onRotate) yield* options.onRotate(rotated)
        refreshToken = rotated
      }
      const now = yield* Clock.currentTimeMillis
      const lifetime = (answer.expires_in ?? 3600) * 1000
      // A margin larger than a short lifetime would refresh on every call; keep half of it.
      const next: Cached = { token: Redacted.make(answer.access_token), refreshAt: now + Math.max(lifetime - margin, lifetime / 2) }
      cached = next
      return next.token
    })

    const token: Effect.Effect<Redacted.Redacted<string>, ConnectorError> = lock.withPermits(1)(
      Effect.flatMap(Clock.currentTimeMillis, (now) =>
        cached !== undefined && now < cached.refreshAt ? Effect.succeed(cached.token) : refresh)
    )
    const invalidate = Effect.sync(() => {
      cached = undefined
    })
    return { token, invalidate }
  })
