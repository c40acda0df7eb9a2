/**
 * The shapes at the connector's boundary: operator settings, an import's config, the cursor,
 * and the Admin GraphQL answers (README.md §1, §5, §6). Every response is decoded
 * here; unknown fields are ignored, so additions on Shopify's side never break a sync.
 */
import * as Schema from "effect/Schema"

// ---------------------------------------------------------------------------------------------
// Settings (operator level) and config (one import)
// ---------------------------------------------------------------------------------------------

/** The API version we build against. Bump deliberately, after checking the query of README.md §1 still holds. */
export const API_VERSION = "2026-07"

/**
 * The shop's handle: `my-store`, also accepted as `my-store.myshopify.com` (what merchants copy
 * from their admin URL) and stored as the handle.
 */
export const ShopHandle = Schema.transform(
  Schema.String,
  Schema.String.pipe(
    Schema.pattern(/^[a-z0-9][a-z0-9-]*$/, {
      message: () => "a shop is its myshopify handle, e.g. my-store or my-store.myshopify.com"
    }),
    Schema.brand("@autoimport/connector-shopify/ShopHandle")
  ),
  {
    strict: false,
    decode: (input) => input.trim().toLowerCase().replace(/^https?:\/\//, "").replace(/\.myshopify\.com\/?$/, ""),
    encode: (handle) => handle
  }
)
export type ShopHandle = typeof ShopHandle.Type

/** The query cost bucket assumed until Shopify reports the real one (in `extensions.cost`). */
export const CostBucket = Schema.Struct({
  maximumAvailable: Schema.Number.pipe(Schema.positive()),
  restoreRate: Schema.Number.pipe(Schema.positive())
})
export type CostBucket = typeof CostBucket.Type

/** The app the operator registered with Shopify once, for "Connect Shopify" (README.md §2). */
export const OAuthClient = Schema.Struct({
  clientId: Schema.NonEmptyTrimmedString,
  clientSecret: Schema.Redacted(Schema.NonEmptyString)
})

export class Settings extends Schema.Class<Settings>("@autoimport/connector-shopify/Settings")({
  /**
   * The shop's origin; `{shop}` is replaced by the import's shop handle. Point it at a proxy or
   * a fake (tests: `http://127.0.0.1:<port>`, the same for every shop).
   */
  baseUrl: Schema.optionalWith(Schema.NonEmptyTrimmedString, { default: () => "https://{shop}.myshopify.com" }),
  /** `YYYY-MM`; Shopify serves an unsupported version as its oldest supported one (unconfirmed). */
  apiVersion: Schema.optionalWith(Schema.String.pipe(Schema.pattern(/^\d{4}-(01|04|07|10)$/)), { default: () => API_VERSION }),
  /** The token endpoint; `{shop}` is replaced. Default: `<baseUrl>/admin/oauth/access_token`. */
  tokenUrl: Schema.optional(Schema.NonEmptyTrimmedString),
  /** The consent page; `{shop}` is replaced. Default: `<baseUrl>/admin/oauth/authorize`. */
  authorizeUrl: Schema.optional(Schema.NonEmptyTrimmedString),
  /** Without it, imports use a custom app's access token or a grant obtained elsewhere. */
  oauthClient: Schema.optional(OAuthClient),
  /**
   * Customers per page (Shopify allows 250). The query costs about 5 points per customer, so
   * pages above ~199 exceed the 1000-point single-query cap (MAX_COST_EXCEEDED).
   */
  pageSize: Schema.optionalWith(Schema.Int.pipe(Schema.between(1, 250)), { default: () => 100 }),
  /**
   * The cost bucket to assume before the first answer. The default is the smallest one on
   * record (1000 points restoring 50/s, README.md §6), so a first sync never overdraws.
   */
  costBucket: Schema.optionalWith(CostBucket, { default: () => ({ maximumAvailable: 1000, restoreRate: 50 }) })
}) {}

/** Marketing states of `defaultEmailAddress` (README.md §5); criteria name them. */
export const MarketingState = Schema.Literal("SUBSCRIBED", "NOT_SUBSCRIBED", "PENDING", "UNSUBSCRIBED", "INVALID", "REDACTED")
export type MarketingState = typeof MarketingState.Type

export const Criteria = Schema.Struct({
  /** Only customers with at least one of these tags (compared case-insensitively). Empty: all. */
  tags: Schema.optionalWith(Schema.Array(Schema.NonEmptyTrimmedString), { default: () => [] }),
  /** Only customers whose email marketing state is one of these, e.g. `["SUBSCRIBED"]`. Empty: all. */
  emailMarketing: Schema.optionalWith(Schema.Array(MarketingState), { default: () => [] })
})
export type Criteria = typeof Criteria.Type

/**
 * An expiring offline access token's grant (README.md §2): the app's client credentials and the
 * refresh token, which Shopify rotates on every refresh. Public apps must use these by 2027.
 */
export const ExpiringGrant = Schema.Struct({
  clientId: Schema.NonEmptyTrimmedString,
  clientSecret: Schema.Redacted(Schema.NonEmptyString),
  refreshToken: Schema.Redacted(Schema.NonEmptyString)
})
export type ExpiringGrant = typeof ExpiringGrant.Type

/** A non-expiring access token (`shpat_…`): custom and merchant-created apps, which are exempt. */
export const AccessToken = Schema.Struct({ accessToken: Schema.Redacted(Schema.NonEmptyString) })
export type AccessToken = typeof AccessToken.Type

export class Config extends Schema.Class<Config>("@autoimport/connector-shopify/Config")({
  shop: ShopHandle,
  credentials: Schema.Union(ExpiringGrant, AccessToken),
  criteria: Schema.optionalWith(Criteria, { default: () => ({ tags: [], emailMarketing: [] }) })
}) {}

// ---------------------------------------------------------------------------------------------
// Cursor
// ---------------------------------------------------------------------------------------------

/** The numeric customer id (`legacyResourceId`, an UnsignedInt64 serialized as a string). */
export const CustomerNumber = Schema.String.pipe(Schema.pattern(/^\d+$/), Schema.brand("@autoimport/connector-shopify/CustomerNumber"))
export type CustomerNumber = typeof CustomerNumber.Type

/**
 * The position after a customer in `UPDATED_AT` order: its `updatedAt` and, for customers
 * updated in the same second, its id. Shopify's own page cursors are never stored (README.md §3:
 * opaque, not for persisting across runs).
 */
export class Cursor extends Schema.Class<Cursor>("@autoimport/connector-shopify/Cursor")({
  updatedAt: Schema.DateTimeUtc,
  id: CustomerNumber
}) {}

// ---------------------------------------------------------------------------------------------
// Admin GraphQL answers
// ---------------------------------------------------------------------------------------------

export const CustomerGid = Schema.String.pipe(
  Schema.pattern(/^gid:\/\/shopify\/Customer\/\d+$/),
  Schema.brand("@autoimport/connector-shopify/CustomerGid")
)
export type CustomerGid = typeof CustomerGid.Type

const NullableString = Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null })

export const EmailAddress = Schema.Struct({
  emailAddress: NullableString,
  /**
   * Kept open (any string): the enum may gain values (`REDACTED` is unconfirmed), and an unknown
   * state must not stop a sync. Criteria compare it with {@link MarketingState}.
   */
  marketingState: NullableString
})

export const PhoneNumber = Schema.Struct({ phoneNumber: NullableString })

export const MailingAddress = Schema.Struct({
  address1: NullableString,
  address2: NullableString,
  city: NullableString,
  province: NullableString,
  country: NullableString,
  zip: NullableString,
  company: NullableString,
  phone: NullableString
})
export type MailingAddress = typeof MailingAddress.Type

export const Money = Schema.Struct({ amount: Schema.String, currencyCode: Schema.String })

export const Customer = Schema.Struct({
  id: CustomerGid,
  legacyResourceId: CustomerNumber,
  firstName: NullableString,
  lastName: NullableString,
  defaultEmailAddress: Schema.optionalWith(Schema.NullOr(EmailAddress), { default: () => null }),
  defaultPhoneNumber: Schema.optionalWith(Schema.NullOr(PhoneNumber), { default: () => null }),
  defaultAddress: Schema.optionalWith(Schema.NullOr(MailingAddress), { default: () => null }),
  tags: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }),
  /** UnsignedInt64, serialized as a string. */
  numberOfOrders: Schema.String.pipe(Schema.pattern(/^\d+$/)),
  amountSpent: Schema.optionalWith(Schema.NullOr(Money), { default: () => null }),
  updatedAt: Schema.DateTimeUtc
})
export type Customer = typeof Customer.Type

export const CustomerConnection = Schema.Struct({
  pageInfo: Schema.Struct({ hasNextPage: Schema.Boolean, endCursor: Schema.optionalWith(Schema.NullOr(Schema.String), { default: () => null }) }),
  nodes: Schema.Array(Customer)
})

export const ThrottleStatus = Schema.Struct({
  maximumAvailable: Schema.Number,
  currentlyAvailable: Schema.Number,
  restoreRate: Schema.Number
})

/** `extensions.cost`: on every answer except MAX_COST_EXCEEDED. */
export const QueryCost = Schema.Struct({
  requestedQueryCost: Schema.Number,
  /** null when the query did not run (THROTTLED). */
  actualQueryCost: Schema.optionalWith(Schema.NullOr(Schema.Number), { default: () => null }),
  throttleStatus: ThrottleStatus
})
export type QueryCost = typeof QueryCost.Type

export const GraphqlError = Schema.Struct({
  message: Schema.String,
  extensions: Schema.optional(Schema.Struct({
    code: Schema.optional(Schema.String),
    /** MAX_COST_EXCEEDED: the query's cost and the cap. */
    cost: Schema.optional(Schema.Number),
    maxCost: Schema.optional(Schema.Number)
  }))
})
export type GraphqlError = typeof GraphqlError.Type

/**
 * The envelope of a `customers` answer (HTTP 200). `errors` and `data` may come together
 * (partial data); any error fails the page.
 */
export const CustomersResponse = Schema.Struct({
  data: Schema.optionalWith(Schema.NullOr(Schema.Struct({ customers: Schema.NullOr(CustomerConnection) })), { default: () => null }),
  errors: Schema.optionalWith(Schema.Array(GraphqlError), { default: () => [] }),
  extensions: Schema.optional(Schema.Struct({ cost: Schema.optional(QueryCost) }))
})
export type CustomersResponse = typeof CustomersResponse.Type
