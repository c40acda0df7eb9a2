/**
 * The OAuth 2.0 authorization-code grant (RFC 6749 §4.1) with PKCE (RFC 7636), from a
 * connector's declaration (`@autoimport/core/Authorization`): {@link start} records a pending
 * authorization and builds the provider's consent URL; {@link complete} checks the callback's
 * state, exchanges the code and makes the import's config fragment. Every failure is mapped to
 * a typed error in {@link exchange}, the one boundary with the token endpoint, as `OAuth2.ts`
 * does for refreshes; nothing is stored by this module, so a failure leaves nothing behind.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import {
  AuthorizationCodeRejected,
  AuthorizationDenied,
  AuthorizationStateInvalid,
  configFragment,
  type GrantValue,
  type OAuth2,
  type OAuth2Data,
  type OAuthClient
} from "@autoimport/core/Authorization"
import { Connectors, formatParseError } from "@autoimport/core/Connector"
import { AuthRevoked, type ConnectorNotLoaded, InvalidConfig, MalformedResponse, type RateLimited, type RequestLimitReached, type ServiceUnavailable } from "@autoimport/core/Errors"
import type { RateLimiter } from "@autoimport/core/RateLimiter"
import type * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Http from "./Http.js"
import { TokenError, TokenResponse } from "./OAuth2.js"
import { type Pending, PendingAuthorizations } from "./PendingAuthorizations.js"

export interface UrlOptions {
  readonly authorizeUrl: string
  readonly clientId: string
  readonly redirectUri: string
  readonly state: string
  readonly challenge: string
}

/**
 * The consent URL: the declaration's extra parameters first, then the ones this flow depends on,
 * which they cannot override (an `authorizeParams.state` would otherwise unbind the callback).
 * Parameters already in `authorizeUrl` are kept.
 */
export const authorizationUrl = (method: OAuth2Data, options: UrlOptions): string => {
  const url = new URL(options.authorizeUrl)
  for (const [name, value] of Object.entries(method.authorizeParams ?? {})) url.searchParams.set(name, value)
  url.searchParams.set("response_type", "code")
  url.searchParams.set("client_id", options.clientId)
  url.searchParams.set("redirect_uri", options.redirectUri)
  if (method.scopes.length > 0) url.searchParams.set("scope", method.scopes.join(method.scopeSeparator ?? " "))
  url.searchParams.set("state", options.state)
  url.searchParams.set("code_challenge", options.challenge)
  url.searchParams.set("code_challenge_method", "S256")
  return url.toString()
}

export interface ExchangeOptions {
  readonly service: string
  readonly method: OAuth2Data
  readonly tokenUrl: string
  readonly client: OAuthClient
  readonly code: Redacted.Redacted<string>
  readonly redirectUri: string
  readonly verifier: Redacted.Redacted<string>
  /** Per request. Default 30 s (the kit's). */
  readonly timeout?: Duration.DurationInput
}

/** What the token endpoint granted. */
export interface Grant {
  readonly accessToken: Redacted.Redacted<string>
  readonly refreshToken: Option.Option<Redacted.Redacted<string>>
  /** Seconds, when the service said. */
  readonly expiresIn: Option.Option<number>
  readonly scope: Option.Option<string>
}

export type ExchangeError =
  | AuthorizationCodeRejected
  | InvalidConfig
  | MalformedResponse
  | RateLimited
  | RequestLimitReached
  | ServiceUnavailable

/** Where a refused client is the operator's to fix. */
const clientWhere = (service: string) => `the ${service} OAuth client (the connector's operator settings)`

/**
 * Exchanges an authorization code (§4.1.3) with its PKCE verifier. `invalid_grant` (a used,
 * expired or foreign code, a wrong verifier or redirect URI) is {@link AuthorizationCodeRejected};
 * a refused client is `InvalidConfig`; transport failures and 5xx are retried by the kit, then
 * `ServiceUnavailable`; an answer without a token is `MalformedResponse`.
 */
export const exchange = (options: ExchangeOptions): Effect.Effect<Grant, ExchangeError, HttpClient.HttpClient | RateLimiter> =>
  Effect.gen(function*() {
    const { client, method, service } = options
    // Http's mapping speaks only ConnectorError, where a refused grant is AuthRevoked, as are
    // 401/403 (a refused client here). The invalid_grant answer is noted to tell them apart below.
    let codeRefused: string | undefined
    const http = yield* Http.make({
      service,
      baseUrl: options.tokenUrl,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout }),
      unexpectedStatus: ({ body, status }) => {
        const error = Option.getOrUndefined(Schema.decodeUnknownOption(Schema.parseJson(TokenError))(body))
        if (error === undefined) {
          return new MalformedResponse({ service, detail: `token endpoint answered HTTP ${status} without an OAuth error: ${body.slice(0, 200)}` })
        }
        const detail = `${error.error}${error.error_description ? ` (${error.error_description})` : ""}`
        if (error.error === "invalid_grant") {
          codeRefused = detail
          return new AuthRevoked({ service, detail })
        }
        return new InvalidConfig({ where: clientWhere(service), detail: `${service}'s token endpoint answered HTTP ${status} ${detail}` })
      }
    })
    const basic = method.clientAuth === "basic"
    const request = HttpClientRequest.post("").pipe(
      HttpClientRequest.bodyUrlParams({
        ...method.tokenParams,
        grant_type: "authorization_code",
        code: Redacted.value(options.code),
        redirect_uri: options.redirectUri,
        code_verifier: Redacted.value(options.verifier),
        ...(basic ? {} : { client_id: client.clientId, client_secret: Redacted.value(client.clientSecret) })
      }),
      (request) => basic ? HttpClientRequest.basicAuth(request, client.clientId, Redacted.value(client.clientSecret)) : request
    )
    const answer = yield* http.json(request, TokenResponse, "token response").pipe(
      Effect.catchTags({
        // Otherwise 401/403: client authentication failed (§5.2), the code was not looked at.
        AuthRevoked: (e) =>
          Effect.fail(
            codeRefused !== undefined
              ? new AuthorizationCodeRejected({ service, detail: codeRefused })
              : new InvalidConfig({ where: clientWhere(service), detail: e.detail })
          ),
        CursorExpired: (e) => Effect.die(e)
      })
    )
    return {
      accessToken: Redacted.make(answer.access_token),
      refreshToken: Option.map(Option.fromNullable(answer.refresh_token), Redacted.make),
      expiresIn: Option.fromNullable(answer.expires_in),
      scope: Option.fromNullable(answer.scope)
    }
  })

// ---------------------------------------------------------------------------------------------
// The runner's two steps
// ---------------------------------------------------------------------------------------------

export interface StartOptions {
  readonly connectorId: string
  /** Which of the connector's methods; default its first OAuth2 one. */
  readonly methodId?: string
  readonly sessionId: string
  /** The runner's callback URL, registered with the provider (`https://…/oauth/callback`). */
  readonly redirectUri: string
  /** The method's `input` fields (Shopify: `{ shop }`). */
  readonly input?: Readonly<Record<string, string>>
  /** A path on the runner's own site (`/setup?connector=shopify`); anything else is refused. */
  readonly returnTo?: string
  /** The OAuth client, when the runner has it from elsewhere (`AUTOIMPORT_*` variables); default from the settings. */
  readonly client?: OAuthClient
}

export interface Started {
  /** Send the user's browser here (HTTP 303). */
  readonly url: string
  readonly pending: Pending
}

const findMethod = (connectorId: string, methodId: string | undefined) =>
  Effect.gen(function*() {
    const loaded = yield* Effect.flatMap(Connectors, (connectors) => connectors.get(connectorId))
    const method = (loaded.connector.authorization ?? []).find((m): m is OAuth2<unknown> =>
      m._tag === "OAuth2" && (methodId === undefined || m.id === methodId)
    )
    if (method === undefined) {
      return yield* new InvalidConfig({
        where: `connector ${connectorId}`,
        detail: methodId === undefined ? "it declares no OAuth authorization" : `it has no OAuth authorization method "${methodId}"`
      })
    }
    return { loaded, method }
  })

const resolve = (
  connectorId: string,
  method: OAuth2<unknown>,
  settings: unknown,
  input: Readonly<Record<string, string>>,
  override: OAuthClient | undefined
) =>
  Effect.gen(function*() {
    const client = override ?? Option.getOrUndefined(method.client(settings))
    if (client === undefined) {
      return yield* new InvalidConfig({
        where: `connector ${connectorId}`,
        detail: "no OAuth client is registered for it: set its clientId and clientSecret in the connector's operator settings"
      })
    }
    const endpoints = method.endpoints(settings, input)
    if (Either.isLeft(endpoints)) return yield* new InvalidConfig({ where: `the ${connectorId} connection form`, detail: endpoints.left })
    for (const [what, url] of Object.entries(endpoints.right)) {
      if (!URL.canParse(url) || !/^https?:$/.test(new URL(url).protocol)) {
        return yield* new InvalidConfig({ where: `connector ${connectorId} settings`, detail: `${what} ${JSON.stringify(url)} is not an http(s) URL` })
      }
    }
    return { client, endpoints: endpoints.right }
  })

/** Records a pending authorization for the session and returns the provider's consent URL. */
export const start = (options: StartOptions): Effect.Effect<Started, InvalidConfig | ConnectorNotLoaded, PendingAuthorizations | Connectors> =>
  Effect.gen(function*() {
    const { loaded, method } = yield* findMethod(options.connectorId, options.methodId)
    // The callback redirects there: anything but a path of this site would be an open redirect.
    if (options.returnTo !== undefined && !/^\/(?![/\\])/.test(options.returnTo)) {
      return yield* new InvalidConfig({ where: "the connect request", detail: `returnTo ${JSON.stringify(options.returnTo)} is not a path on this site` })
    }
    const input: Record<string, string> = {}
    for (const field of method.input ?? []) {
      const value = options.input?.[field.key]?.trim()
      if (!value) return yield* new InvalidConfig({ where: `the ${loaded.connector.name} connection form`, detail: `${field.label} (${field.key}) is required` })
      input[field.key] = value
    }
    const { client, endpoints } = yield* resolve(options.connectorId, method, loaded.settings, input, options.client)
    const pending = yield* Effect.flatMap(PendingAuthorizations, (store) =>
      store.create({
        sessionId: options.sessionId,
        connectorId: options.connectorId,
        methodId: method.id,
        redirectUri: options.redirectUri,
        input,
        ...(options.returnTo === undefined ? {} : { returnTo: options.returnTo })
      }))
    const url = authorizationUrl(method, { ...endpoints, clientId: client.clientId, redirectUri: options.redirectUri, state: pending.state, challenge: pending.challenge })
    return { url, pending }
  })

/** The callback's query (§4.1.2 and §4.1.2.1). Bounded: anything longer is not from a provider. */
export const CallbackQuery = Schema.Struct({
  state: Schema.optional(Schema.String.pipe(Schema.maxLength(512))),
  code: Schema.optional(Schema.String.pipe(Schema.minLength(1), Schema.maxLength(4096))),
  error: Schema.optional(Schema.String.pipe(Schema.maxLength(256))),
  error_description: Schema.optional(Schema.String.pipe(Schema.maxLength(1024)))
})

export interface CompleteOptions {
  readonly sessionId: string
  /** The callback URL's query parameters. */
  readonly query: Readonly<Record<string, string | undefined>>
  readonly client?: OAuthClient
  readonly timeout?: Duration.DurationInput
}

export interface Completed {
  readonly connectorId: string
  readonly methodId: string
  readonly returnTo?: string
  /**
   * The config keys the grant fills, in the config schema's encoded form and redacted as a
   * whole: merge the criteria in and decode with the connector's config schema before storing.
   */
  readonly config: Redacted.Redacted<Record<string, unknown>>
  readonly grant: Grant
}

export type CompleteError = AuthorizationStateInvalid | AuthorizationDenied | ExchangeError | ConnectorNotLoaded

/**
 * The callback: the state must name a pending authorization of this session (used up here,
 * whatever follows), then the provider's `error` or the code's exchange decides.
 */
export const complete = (
  options: CompleteOptions
): Effect.Effect<Completed, CompleteError, PendingAuthorizations | Connectors | HttpClient.HttpClient | RateLimiter> =>
  Effect.gen(function*() {
    const query = yield* Schema.decodeUnknown(CallbackQuery)(options.query).pipe(
      Effect.mapError((e) => new AuthorizationDenied({ service: "the provider", error: "invalid_request", description: formatParseError(e) }))
    )
    if (query.state === undefined || query.state === "") return yield* new AuthorizationStateInvalid({ reason: "missing" })
    const pending = yield* Effect.flatMap(PendingAuthorizations, (store) => store.take(query.state!, options.sessionId))
    const { loaded, method } = yield* findMethod(pending.connectorId, pending.methodId)
    const service = loaded.connector.name
    if (query.error !== undefined) {
      return yield* new AuthorizationDenied({
        service,
        error: query.error,
        ...(query.error_description === undefined ? {} : { description: query.error_description })
      })
    }
    if (query.code === undefined) {
      return yield* new AuthorizationDenied({ service, error: "invalid_request", description: "the callback carries neither a code nor an error" })
    }
    const { client, endpoints } = yield* resolve(pending.connectorId, method, loaded.settings, pending.input, options.client)
    const grant = yield* exchange({
      service,
      method,
      tokenUrl: endpoints.tokenUrl,
      client,
      code: Redacted.make(query.code),
      redirectUri: pending.redirectUri,
      verifier: pending.verifier,
      ...(options.timeout === undefined ? {} : { timeout: options.timeout })
    })
    const values: Partial<Record<GrantValue, Redacted.Redacted<string> | string>> = {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      accessToken: grant.accessToken,
      ...Option.match(grant.refreshToken, { onNone: () => ({}), onSome: (refreshToken) => ({ refreshToken }) })
    }
    const config = configFragment(method, pending.input, values)
    if (Either.isLeft(config)) {
      return yield* new MalformedResponse({
        service,
        detail: `the token response has no ${config.left.from} for the import's ${config.left.key} (is offline access granted?)`
      })
    }
    return {
      connectorId: pending.connectorId,
      methodId: method.id,
      ...(pending.returnTo === undefined ? {} : { returnTo: pending.returnTo }),
      config: config.right,
      grant
    }
  })
