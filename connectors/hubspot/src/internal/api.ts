/**
 * HubSpot CRM v3 wire shapes (README.md §1, §5, §6), decoded at the boundary. Unknown
 * fields are ignored by the kit's decoder, so HubSpot adding fields never breaks a sync.
 */
import * as Schema from "effect/Schema"

/** A CRM object id (`hs_object_id`): decimal digits, kept as text (ids exceed 2^32). */
export const HubSpotId = Schema.String.pipe(Schema.pattern(/^\d+$/), Schema.brand("@autoimport/connector-hubspot/HubSpotId"))
export type HubSpotId = typeof HubSpotId.Type

/** Every property value is a string or null (requested but empty); unrequested ones are absent. */
export const Properties = Schema.Record({ key: Schema.String, value: Schema.NullOr(Schema.String) })

/** `SimplePublicObject`, as search returns it. */
export const Contact = Schema.Struct({
  id: HubSpotId,
  properties: Properties,
  /** Mirrors `lastmodifieddate`, the property the search filters and sorts on (§4). */
  updatedAt: Schema.Date
})
export type Contact = typeof Contact.Type

/** `POST /crm/v3/objects/contacts/search` answer; `paging` is absent on the last page. */
export const SearchResponse = Schema.Struct({
  total: Schema.optional(Schema.Number),
  results: Schema.Array(Contact),
  paging: Schema.optional(Schema.Struct({
    next: Schema.optional(Schema.Struct({ after: Schema.String, link: Schema.optional(Schema.String) }))
  }))
})
export type SearchResponse = typeof SearchResponse.Type

/**
 * HubSpot's error envelope. The spec makes `category` and `correlationId` required, but recorded
 * bodies (test/fixtures/error-search-invalid-object.json) lack `category`: only `message` is
 * relied on.
 */
export const ErrorEnvelope = Schema.Struct({
  status: Schema.optional(Schema.String),
  message: Schema.String,
  correlationId: Schema.optional(Schema.String),
  category: Schema.optional(Schema.String),
  /** On 429s: which limit was hit (`TEN_SECONDLY_ROLLING`, `DAILY`); the secondly limit names none. */
  policyName: Schema.optional(Schema.String)
})
export type ErrorEnvelope = typeof ErrorEnvelope.Type

export const SearchOperator = Schema.Literal(
  "EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"
)

export const Filter = Schema.Struct({
  propertyName: Schema.String,
  operator: SearchOperator,
  value: Schema.optional(Schema.String),
  highValue: Schema.optional(Schema.String),
  values: Schema.optional(Schema.Array(Schema.String))
})
export type Filter = typeof Filter.Type

export const Sort = Schema.Struct({ propertyName: Schema.String, direction: Schema.Literal("ASCENDING", "DESCENDING") })

/** The search body as the connector sends it (the fake also accepts the looser shapes HubSpot does). */
export const SearchRequest = Schema.Struct({
  filterGroups: Schema.Array(Schema.Struct({ filters: Schema.Array(Filter) })),
  sorts: Schema.Array(Sort),
  properties: Schema.Array(Schema.String),
  limit: Schema.Int,
  after: Schema.String
})
export type SearchRequest = typeof SearchRequest.Type
