/**
 * The HubSpot connector: a portal's contacts through the CRM v3 search endpoint, ordered by
 * `lastmodifieddate` (README.md, with the API facts in its last section).
 */
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Http, OAuth2, Paging } from "@autoimport/connector-kit"
import type * as Authorization from "@autoimport/core/Authorization"
import { defineConnector, type PullRequest } from "@autoimport/core/Connector"
import { InvalidConfig } from "@autoimport/core/Errors"
import type { RateLimiter } from "@autoimport/core/RateLimiter"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import { type Contact, ErrorEnvelope, SearchResponse } from "./internal/api.js"
import { fields, properties, toRecord } from "./internal/contact.js"
import * as Window from "./internal/window.js"
import * as Wire from "./internal/wire.js"

const service = "HubSpot"

/** Search pages hold at most 200 contacts (§1). */
const PageSize = Schema.Int.pipe(Schema.between(1, 200))

/** The public app the operator registered with HubSpot once, for "Connect HubSpot". */
export const OAuthClient = Schema.Struct({
  clientId: Schema.NonEmptyTrimmedString,
  clientSecret: Schema.Redacted(Schema.NonEmptyString)
})

/** Operator settings (the runner's configuration); tests point the URLs at the fake. */
export const Settings = Schema.Struct({
  baseUrl: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "https://api.hubapi.com" }),
  /** HubSpot's consent page (README.md §2). */
  authorizeUrl: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "https://app.hubspot.com/oauth/authorize" }),
  /** Without it, imports use a private app token or a grant obtained elsewhere. */
  oauthClient: Schema.optional(OAuthClient),
  /**
   * v1 is deprecated and sunsets 2027-02-16; its successor's final path is unconfirmed (§2).
   * Both answer shapes are accepted, so switching is a settings change.
   */
  tokenUrl: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "https://api.hubapi.com/oauth/v1/token" }),
  /** The contacts API path: HubSpot is moving to dated versions (`/crm/objects/2026-03/contacts`). */
  contactsPath: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "/crm/v3/objects/contacts" }),
  pageSize: Schema.optionalWith(PageSize, { default: () => 200 }),
  /**
   * Search has its own limit: 5 requests/s per account (older docs: 4, unconfirmed). The bucket
   * holds one request and refills at this rate, so no second-long window sees more than
   * `searchRequestsPerSecond + 1`: 5 at the default.
   */
  searchRequestsPerSecond: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { default: () => 4 }),
  /**
   * New and edited contacts take a few seconds to reach the search index (how long is
   * unconfirmed), so a sync reads only contacts modified at least this long ago; the rest
   * follows next time. 0 trusts the index to be current (fakes without lag).
   */
  indexLagSeconds: Schema.optionalWith(Schema.Int.pipe(Schema.nonNegative()), { default: () => 60 })
})
export type Settings = typeof Settings.Type

/** A public app's grant: refreshed with the v1 token endpoint (§2). */
export const OAuthCredentials = Schema.TaggedStruct("oauth", {
  clientId: Schema.NonEmptyTrimmedString,
  clientSecret: Schema.Redacted(Schema.NonEmptyString),
  refreshToken: Schema.Redacted(Schema.NonEmptyString)
})

/** A private (static) app token, `pat-…`: sent as is, never refreshed (§2). */
export const PrivateAppCredentials = Schema.TaggedStruct("private-app", {
  accessToken: Schema.Redacted(Schema.NonEmptyString)
})

export const PortalId = Schema.String.pipe(Schema.pattern(/^\d+$/), Schema.brand("@autoimport/connector-hubspot/PortalId"))

/** One import: credentials and criteria. */
export const Config = Schema.Struct({
  credentials: Schema.Union(OAuthCredentials, PrivateAppCredentials),
  /** The portal (hub id) the credentials belong to; names the account key when given. */
  portalId: Schema.optional(PortalId),
  /** Only contacts in any of these lifecycle stages (internal values, e.g. `lead`); empty: all. */
  lifecycleStages: Schema.optionalWith(Schema.Array(Schema.NonEmptyTrimmedString), { default: () => [] })
})
export type Config = typeof Config.Type

/** The committed position: see `internal/window.ts`. */
export const Cursor = Window.Position
export type Cursor = Window.Position

/**
 * The HubSpot account an import reads. HubSpot's limits are per portal, so imports of one portal
 * must share one key: the portal id when the import names it. Without it, the key comes from
 * the credentials (one grant or app token reads one portal) without an API call — hashed,
 * because the key shows up in logs and metrics. HubSpot does not rotate refresh tokens in
 * practice; if it did, a rotated grant would get a new key (briefly a second bucket).
 */
export const accountKey = (config: Config): string => {
  if (config.portalId !== undefined) return `hubspot:${config.portalId}`
  const hash = createHash("sha256")
  if (config.credentials._tag === "oauth") {
    hash.update(config.credentials.clientId).update("\u0000").update(Redacted.value(config.credentials.refreshToken))
  } else {
    hash.update(Redacted.value(config.credentials.accessToken))
  }
  return `hubspot:${hash.digest("hex").slice(0, 16)}`
}

/**
 * A 400 from search is a request HubSpot rejects: with the connector's fixed request shape,
 * the import's criteria (an unknown lifecycle stage) or the settings' path are what varies.
 */
const unexpectedStatus = (failure: Http.UnexpectedStatus) => {
  if (failure.status !== 400 && failure.status !== 404) return undefined
  const envelope = Option.getOrUndefined(Schema.decodeUnknownOption(Schema.parseJson(ErrorEnvelope))(failure.body))
  return new InvalidConfig({
    where: "the import's lifecycle stages or the HubSpot contactsPath setting",
    detail: `HubSpot answered HTTP ${failure.status}: ${envelope?.message ?? failure.body}`
  })
}

const authFor = (request: PullRequest<Settings, Config, Cursor>): Effect.Effect<Http.Auth, never, HttpClient.HttpClient | RateLimiter> => {
  const { config, settings } = request
  const credentials = config.credentials
  if (credentials._tag === "private-app") {
    // Nothing to refresh: the kit's one retry after a 401 sends the same token, and a second 401 is AuthRevoked.
    return Effect.succeed({ token: Effect.succeed(credentials.accessToken), invalidate: Effect.void })
  }
  return OAuth2.make({
    service,
    tokenUrl: settings.tokenUrl,
    clientId: credentials.clientId,
    clientSecret: credentials.clientSecret,
    refreshToken: credentials.refreshToken,
    // Rotation is not observed at HubSpot (unconfirmed as a guarantee): store whatever comes back.
    onRotate: (refreshToken) => request.saveConfig({ ...config, credentials: { ...credentials, refreshToken } })
  }).pipe(Effect.provideServiceEffect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, Wire.tokenEndpoint)))
}

const pull = (request: PullRequest<Settings, Config, Cursor>) =>
  Stream.unwrap(Effect.gen(function*() {
    const { config, settings } = request
    const auth = yield* authFor(request)
    const client = yield* Http.make({
      service,
      baseUrl: settings.baseUrl,
      auth,
      rateLimit: {
        key: `${accountKey(config)}/search`,
        policy: { capacity: 1, refillPerSecond: settings.searchRequestsPerSecond }
      },
      unexpectedStatus
    }).pipe(Effect.provideServiceEffect(HttpClient.HttpClient, Effect.map(HttpClient.HttpClient, Wire.rateLimitAware)))
    const now = yield* Clock.currentTimeMillis
    const query: Window.Query = {
      pageSize: settings.pageSize,
      properties,
      until: settings.indexLagSeconds === 0 ? Option.none() : Option.some(now - settings.indexLagSeconds * 1000),
      lifecycleStages: config.lifecycleStages
    }
    const fetch = (position: Window.Position) =>
      HttpClientRequest.post(`${settings.contactsPath}/search`).pipe(
        HttpClientRequest.bodyUnsafeJson(Window.request(position, query)),
        (search) => client.json(search, SearchResponse, "contacts search page"),
        Effect.map((answer) => Window.step(position, answer))
      )
    return Paging.paginate({
      service,
      start: Option.getOrElse(request.cursor, () => Window.start),
      offset: 0,
      budget: request.budget,
      fetch,
      select: (contact: Contact) => Option.some(toRecord(contact)),
      inside: (position, offset, items) => offset === 0 ? position : Window.after(items[offset - 1]!)
    })
  }))

/**
 * How an import gets its credentials (README.md §2): a public app's grant (`oauth` is the scope
 * every OAuth app needs, `crm.objects.contacts.read` the one search needs), or a private app's
 * static token typed in. The grant is exchanged at the v1 token endpoint (the `tokenUrl`
 * default); the v3 successor's camelCase answer is only rewritten for refreshes (`wire.ts`).
 */
export const authorization: ReadonlyArray<Authorization.Method<Settings>> = [
  {
    _tag: "OAuth2",
    id: "oauth",
    label: "Connect with HubSpot",
    scopes: ["oauth", "crm.objects.contacts.read"],
    fills: { "credentials.clientId": "clientId", "credentials.clientSecret": "clientSecret", "credentials.refreshToken": "refreshToken" },
    constants: { "credentials._tag": "oauth" },
    endpoints: (settings) => Either.right({ authorizeUrl: settings.authorizeUrl, tokenUrl: settings.tokenUrl }),
    client: (settings) => Option.fromNullable(settings.oauthClient)
  },
  {
    _tag: "KeyForm",
    id: "private-app",
    label: "Private app access token",
    fields: [{ key: "credentials.accessToken", label: "Access token", secret: true, description: "Settings → Integrations → Private apps: pat-…" }],
    constants: { "credentials._tag": "private-app" }
  }
]

export const HubSpot = defineConnector({
  id: "hubspot",
  name: service,
  settings: Settings,
  config: Config,
  cursor: Cursor,
  fields,
  deletions: "not reported: HubSpot's search never returns deleted (archived) contacts, and its archived list has no " +
    "date filter, so finding deletions would mean reading every deleted contact on every sync; contacts deleted in " +
    "HubSpot keep their contacts here. Merged contacts move to the surviving HubSpot id.",
  accountKey: (config) => accountKey(config),
  authorization,
  pull
})
