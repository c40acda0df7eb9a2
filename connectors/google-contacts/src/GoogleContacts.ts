/**
 * The Google Contacts connector: a user's own contacts through the People API
 * (`people.connections.list`), a full sync first and sync tokens afterwards
 * (README.md, with the API facts in its last section).
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Http, OAuth2, Paging } from "@autoimport/connector-kit"
import type * as Authorization from "@autoimport/core/Authorization"
import { defineConnector, type PullRequest } from "@autoimport/core/Connector"
import { type ConnectorError, CursorExpired, InvalidConfig, MalformedResponse } from "@autoimport/core/Errors"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"
import { ContactGroup, ErrorEnvelope, ListConnectionsResponse, type Person } from "./internal/api.js"
import { fields, groupResourceName, toRecord } from "./internal/person.js"

const service = "Google Contacts"

const PageSize = Schema.Int.pipe(Schema.between(1, 1000))

const HttpUrl = Schema.String.pipe(
  Schema.filter((url) => URL.canParse(url) && /^https?:$/.test(new URL(url).protocol), {
    message: () => "expected an http(s) URL such as https://people.googleapis.com"
  })
)

/** The OAuth client the operator registered with Google once, for "Connect Google Contacts". */
export const OAuthClient = Schema.Struct({
  clientId: Schema.NonEmptyTrimmedString,
  clientSecret: Schema.Redacted(Schema.NonEmptyString)
})

/** Operator settings (the runner's configuration); tests point the URLs at the fake. */
export const Settings = Schema.Struct({
  baseUrl: Schema.optionalWith(HttpUrl, { default: () => "https://people.googleapis.com" }),
  /** Google's consent page (README.md §2). */
  authorizeUrl: Schema.optionalWith(HttpUrl, { default: () => "https://accounts.google.com/o/oauth2/v2/auth" }),
  tokenUrl: Schema.optionalWith(HttpUrl, { default: () => "https://oauth2.googleapis.com/token" }),
  /** Without it, imports are set up with a grant obtained elsewhere (the config's clientId, clientSecret, refreshToken). */
  oauthClient: Schema.optional(OAuthClient),
  pageSize: Schema.optionalWith(PageSize, { default: () => 100 }),
  /** Google's read quota per user (documented defaults 90–180/min, unconfirmed); all imports of one account share it. */
  requestsPerMinute: Schema.optionalWith(Schema.Int.pipe(Schema.positive()), { default: () => 90 })
})
export type Settings = typeof Settings.Type

/** One import: the OAuth client and the user's grant, and the criteria. */
export const Config = Schema.Struct({
  clientId: Schema.NonEmptyTrimmedString,
  clientSecret: Schema.Redacted(Schema.NonEmptyString),
  refreshToken: Schema.Redacted(Schema.NonEmptyString),
  /** Only members of this contact group are imported: `contactGroups/friends`, or just `friends`. */
  contactGroup: Schema.optional(Schema.NonEmptyTrimmedString)
})
export type Config = typeof Config.Type

/**
 * Where a sync stands. `full`: listing every person, to end with a sync token; `incremental`:
 * applying the changes since `syncToken`. `pageToken` is the page in progress (none: the first
 * page) and `after` the resource name of the last person delivered from it, when a batch ended
 * inside the page. `after` rather than an offset: editing a person moves it to the end of the
 * listing, which shifts a re-fetched page; a count would then skip people.
 * `pageSize` is frozen for the whole listing: page tokens are only valid with the parameters
 * of their first call.
 */
export const Cursor = Schema.Struct({
  phase: Schema.Literal("full", "incremental"),
  syncToken: Schema.optional(Schema.String),
  pageSize: PageSize,
  pageToken: Schema.optional(Schema.String),
  after: Schema.optional(Schema.String)
})
export type Cursor = typeof Cursor.Type

/** The frozen field mask: every page and sync call of a listing must send the same one. */
export const personFields = "names,emailAddresses,phoneNumbers,organizations,addresses,biographies,birthdays,memberships,metadata"

/**
 * The Google account behind an import, without an API call: the OAuth client plus the user's
 * refresh token identify one grant. Hashed, because the key appears in logs and metrics.
 * (A rotated refresh token yields a new key; Google does not rotate them for this client type.)
 */
export const accountKey = (config: Config): string =>
  "google-contacts:" +
  createHash("sha256").update(config.clientId).update("\u0000").update(Redacted.value(config.refreshToken)).digest("hex").slice(0, 16)

/**
 * Google's errors that are not transport-level: an expired sync or page token means a full
 * resync; a missing contact group is the user's to fix.
 */
const googleError = (failure: Http.UnexpectedStatus, group: string | undefined) => {
  const envelope = Option.getOrUndefined(Schema.decodeUnknownOption(Schema.parseJson(ErrorEnvelope))(failure.body))
  const message = envelope?.error.message ?? failure.body
  if (
    failure.status === 400 &&
    (envelope?.error.details.some((d) => d.reason === "EXPIRED_SYNC_TOKEN") || /sync token is expired|page token/i.test(message))
  ) {
    return new CursorExpired({ service, detail: message })
  }
  if (failure.status === 404 && group !== undefined && failure.request.url.endsWith(`/v1/${group}`)) {
    return new InvalidConfig({ where: "the import's contactGroup", detail: `Google has no contact group ${group}` })
  }
  return undefined
}

const pull = (request: PullRequest<Settings, Config, Cursor>) =>
  Stream.unwrap(Effect.gen(function*() {
    const { config, settings } = request
    const group = config.contactGroup === undefined ? undefined : groupResourceName(config.contactGroup)
    const auth = yield* OAuth2.make({
      service,
      tokenUrl: settings.tokenUrl,
      clientId: config.clientId,
      clientSecret: config.clientSecret,
      refreshToken: config.refreshToken,
      onRotate: (refreshToken) => request.saveConfig({ ...config, refreshToken })
    })
    const client = yield* Http.make({
      service,
      baseUrl: settings.baseUrl,
      auth,
      rateLimit: {
        key: accountKey(config),
        // Google counts per minute; a burst of a tenth of that keeps a sync from spending the
        // whole minute's quota in its first second while other imports of the account wait.
        policy: { capacity: Math.max(1, Math.ceil(settings.requestsPerMinute / 10)), refillPerSecond: settings.requestsPerMinute / 60 }
      },
      unexpectedStatus: (failure) => googleError(failure, group)
    })
    if (group !== undefined) {
      // A mistyped group would otherwise import nothing, silently.
      yield* client.json(HttpClientRequest.get(`/v1/${group}`).pipe(HttpClientRequest.setUrlParam("maxMembers", "0")), ContactGroup, "contact group")
    }
    const start = Option.getOrElse(request.cursor, (): Cursor => ({ phase: "full", pageSize: settings.pageSize }))
    if (start.phase === "incremental" && start.syncToken === undefined) {
      return yield* new CursorExpired({ service, detail: "the saved position has no sync token" })
    }
    /** A position inside the listing this pull continues (same phase, token and page size). */
    const within = (pageToken: Option.Option<string>, after?: string): Cursor => ({
      phase: start.phase,
      pageSize: start.pageSize,
      ...(start.syncToken === undefined ? {} : { syncToken: start.syncToken }),
      ...Option.match(pageToken, { onNone: () => ({}), onSome: (token) => ({ pageToken: token }) }),
      ...(after === undefined ? {} : { after })
    })
    const fetchPage = (pageToken: Option.Option<string>): Effect.Effect<Paging.SourcePage<Option.Option<string>, Person, Cursor>, ConnectorError> =>
      client.json(
        HttpClientRequest.get("/v1/people/me/connections").pipe(
          HttpClientRequest.setUrlParams({
            personFields,
            pageSize: String(start.pageSize),
            sortOrder: "LAST_MODIFIED_ASCENDING",
            requestSyncToken: "true",
            ...(start.syncToken === undefined ? {} : { syncToken: start.syncToken }),
            ...Option.match(pageToken, { onNone: () => ({}), onSome: (token) => ({ pageToken: token }) })
          })
        ),
        ListConnectionsResponse,
        `connections page (${start.phase} sync)`
      ).pipe(Effect.flatMap((page) => {
        if (page.nextPageToken !== undefined) {
          return Effect.succeed({
            items: page.connections,
            next: Option.some(Option.some(page.nextPageToken)),
            cursor: within(Option.some(page.nextPageToken))
          })
        }
        if (page.nextSyncToken === undefined) {
          return Effect.fail(new MalformedResponse({ service, detail: "the last connections page carries no nextSyncToken although it was requested" }))
        }
        // Caught up: the next sync applies the changes since this token, with the current page size.
        return Effect.succeed({
          items: page.connections,
          next: Option.none(),
          cursor: { phase: "incremental", syncToken: page.nextSyncToken, pageSize: settings.pageSize }
        })
      }))

    return Paging.paginate({
      service,
      start: Option.fromNullable(start.pageToken),
      offset: (items: ReadonlyArray<Person>) => {
        if (start.after === undefined) return 0
        // Gone from the page (edited, deleted): start over at its top; repeating is harmless.
        return items.findIndex((person) => person.resourceName === start.after) + 1
      },
      budget: request.budget,
      fetch: fetchPage,
      select: (person: Person) => toRecord(person, group),
      inside: (pageToken, offset, items) => within(pageToken, items[offset - 1]!.resourceName)
    })
  }))

/**
 * "Connect Google Contacts" (README.md §2): `access_type=offline` so Google issues a refresh
 * token, and `prompt=consent` so it issues one again when the user connected this client before
 * (without it a second grant has no refresh token). Read-only scope: the connector never writes.
 */
export const authorization: ReadonlyArray<Authorization.Method<Settings>> = [{
  _tag: "OAuth2",
  id: "oauth",
  label: "Connect with Google",
  scopes: ["https://www.googleapis.com/auth/contacts.readonly"],
  authorizeParams: { access_type: "offline", prompt: "consent" },
  fills: { clientId: "clientId", clientSecret: "clientSecret", refreshToken: "refreshToken" },
  endpoints: (settings) => Either.right({ authorizeUrl: settings.authorizeUrl, tokenUrl: settings.tokenUrl }),
  client: (settings) => Option.fromNullable(settings.oauthClient)
}]

export const GoogleContacts = defineConnector({
  id: "google-contacts",
  name: service,
  settings: Settings,
  config: Config,
  cursor: Cursor,
  fields,
  deletions: "people deleted in Google Contacts are unlinked from their contacts (the contacts stay); " +
    "a person whose resource name changed keeps its contact",
  accountKey: (config) => accountKey(config),
  authorization,
  pull
})
