/**
 * The Example Service connector: contacts from a REST API that lists them in modification order,
 *
 *   GET /contacts?updated_since=<ISO time>&after_id=<id>&limit=<n>&tag=<tag>
 *   Authorization: Bearer <API key>
 *   → { "contacts": [{ id, email, first_name, last_name, company, job_title, updated_at }], "has_more": bool }
 *
 * sorted by (updated_at, id) and starting after the given position. The cursor is that
 * position: resuming from it neither loses nor repeats records, even when many records share
 * one timestamp. Replace the request and the mapping with your service's.
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Http, Paging } from "@autoimport/connector-kit"
import { defineConnector, type PullRequest } from "@autoimport/core/Connector"
import { ExternalId, FieldDefinition, SourceContact } from "@autoimport/core/Domain"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { createHash } from "node:crypto"

const service = "Example Service"

/** Operator settings, from the runner's configuration: tests and sandboxes point `baseUrl` at a fake. */
export const Settings = Schema.Struct({
  baseUrl: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "https://api.example.com/v1" }),
  pageSize: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 100)), { default: () => 100 }),
  /** The service's documented quota per API key; every import of one key shares it. */
  requestsPerSecond: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { default: () => 5 })
})
export type Settings = typeof Settings.Type

/** One import: its credentials (held as `Redacted`, stored encrypted) and its criteria. */
export const Config = Schema.Struct({
  apiKey: Schema.Redacted(Schema.NonEmptyTrimmedString),
  /** Only contacts with this tag are imported; all contacts without it. */
  tag: Schema.optional(Schema.NonEmptyTrimmedString)
})
export type Config = typeof Config.Type

/** The position after the last delivered contact, in the service's (updated_at, id) order. */
export const Cursor = Schema.Struct({
  updatedSince: Schema.String,
  afterId: Schema.Int
})
export type Cursor = typeof Cursor.Type

/** The API's shapes. Unknown properties are ignored; absent-able ones are optional. */
export const ApiContact = Schema.Struct({
  id: Schema.Int,
  email: Schema.NullOr(Schema.String),
  first_name: Schema.optional(Schema.NullOr(Schema.String)),
  last_name: Schema.optional(Schema.NullOr(Schema.String)),
  company: Schema.optional(Schema.NullOr(Schema.String)),
  job_title: Schema.optional(Schema.NullOr(Schema.String)),
  updated_at: Schema.String
})
export type ApiContact = typeof ApiContact.Type

export const ListContactsResponse = Schema.Struct({
  contacts: Schema.Array(ApiContact),
  has_more: Schema.Boolean
})

/** The custom fields this connector fills; they become `Example Service Company` / `%EXAMPLE_SERVICE_COMPANY%` (R3). */
export const fields = [
  new FieldDefinition({ key: "company", label: "Company", type: "text" }),
  new FieldDefinition({ key: "job_title", label: "Job Title", type: "text" })
]

/**
 * The external account an import reads: imports with the same API key share its request
 * budget. Hashed, because the key shows up in logs and metrics.
 */
export const accountKey = (config: Config): string =>
  `example-service:${createHash("sha256").update(Redacted.value(config.apiKey)).digest("hex").slice(0, 16)}`

const toRecord = (contact: ApiContact) =>
  new SourceContact({
    externalId: ExternalId.make(String(contact.id)),
    email: contact.email,
    firstName: contact.first_name ?? null,
    lastName: contact.last_name ?? null,
    fields: { company: contact.company ?? null, job_title: contact.job_title ?? null }
  })

const after = (contact: ApiContact): Cursor => ({ updatedSince: contact.updated_at, afterId: contact.id })

const pull = (request: PullRequest<Settings, Config, Cursor>) =>
  Stream.unwrap(Effect.gen(function*() {
    const { config, settings } = request
    const client = yield* Http.make({
      service,
      baseUrl: settings.baseUrl,
      // An API key never expires by itself: a 401 means it was revoked (→ AuthRevoked).
      auth: { token: Effect.succeed(config.apiKey), invalidate: Effect.void },
      rateLimit: {
        key: accountKey(config),
        policy: { capacity: Math.max(1, Math.ceil(settings.requestsPerSecond)), refillPerSecond: settings.requestsPerSecond }
      }
    })
    const fetch = (position: Option.Option<Cursor>) =>
      client.json(
        HttpClientRequest.get("/contacts").pipe(
          HttpClientRequest.setUrlParams({
            limit: String(settings.pageSize),
            ...Option.match(position, {
              onNone: () => ({}),
              onSome: (p) => ({ updated_since: p.updatedSince, after_id: String(p.afterId) })
            }),
            ...(config.tag === undefined ? {} : { tag: config.tag })
          })
        ),
        ListContactsResponse,
        "contacts page"
      ).pipe(Effect.map((page) => {
        const last = page.contacts.at(-1)
        // After an empty last page the position stays where it was: nothing new yet.
        const end = last === undefined ? position : Option.some(after(last))
        return {
          items: page.contacts,
          next: page.has_more ? Option.some(end) : Option.none(),
          cursor: Option.getOrElse(end, () => ({ updatedSince: new Date(0).toISOString(), afterId: 0 }))
        }
      }))

    // Keyset positions never shift, so a cut page resumes after its last delivered contact at offset 0.
    return Paging.paginate({
      service,
      start: request.cursor,
      offset: 0,
      budget: request.budget,
      fetch,
      select: (contact: ApiContact) => Option.some(toRecord(contact)),
      inside: (_position, offset, items) => after(items[offset - 1]!)
    })
  }))

export const connector = defineConnector({
  id: "example-service",
  name: service,
  settings: Settings,
  config: Config,
  cursor: Cursor,
  fields,
  deletions: "Example Service does not report deleted contacts: their contacts stay as they were",
  accountKey: (config) => accountKey(config),
  pull
})

export default connector
