/**
 * How a connector's service authorizes (docs/writing-a-connector.md, "How the service
 * authorizes"): the optional `authorization` of a connector lists the ways a user can give an
 * import its credentials, in the order the setup dialog offers them — an OAuth 2.0
 * authorization-code grant, or a form of keys the user types. The runner reads it to show
 * "Connect …" buttons and forms; `@autoimport/connector-kit`'s `Authorize` runs the grant.
 *
 * Everything that is data is a Schema, checked by `defineConnector`; only what depends on the
 * operator's settings (where the endpoints are, the registered OAuth client) is a function.
 */
import * as Either from "effect/Either"
import { ArrayFormatter } from "effect/ParseResult"
import type * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"

/**
 * A key of the import's config, dotted for nested objects (`credentials.refreshToken`). Plain
 * identifiers only (`a..b` names nothing), and never one that would reach an object's prototype
 * when the fragment is built.
 */
export const ConfigKey = Schema.String.pipe(
  Schema.pattern(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/, {
    message: () => "a config key is identifiers joined by dots, e.g. credentials.refreshToken"
  }),
  Schema.filter((key) => !key.split(".").some((step) => step === "__proto__" || step === "constructor" || step === "prototype"), {
    message: () => "a config key must not name __proto__, constructor or prototype"
  })
)

/** One value the user types in the setup dialog. */
export const FormField = Schema.Struct({
  key: ConfigKey,
  label: Schema.NonEmptyTrimmedString,
  /** Typed into a password field and never shown again (the config schema must make it `Redacted`). */
  secret: Schema.Boolean,
  /** A hint under the field (`my-store or my-store.myshopify.com`). */
  description: Schema.optional(Schema.String)
})
export type FormField = typeof FormField.Type

/** What a completed grant holds: the operator's OAuth client and the tokens the service issued. */
export const GrantValue = Schema.Literal("clientId", "clientSecret", "accessToken", "refreshToken")
export type GrantValue = typeof GrantValue.Type

/** Fixed values a method writes, e.g. the `_tag` of a credentials union (`credentials._tag: "oauth"`). */
const Constants = Schema.Record({ key: ConfigKey, value: Schema.String })

/** The data of an OAuth 2.0 authorization-code grant (RFC 6749 §4.1, with PKCE, RFC 7636). */
export const OAuth2Data = Schema.TaggedStruct("OAuth2", {
  /** A stable id among the connector's methods (`oauth`), for URLs and forms. */
  id: Schema.NonEmptyTrimmedString,
  /** The button: `Connect with Google`. */
  label: Schema.NonEmptyTrimmedString,
  scopes: Schema.Array(Schema.NonEmptyTrimmedString),
  /** How scopes are joined in the authorize URL. Default `" "` (RFC 6749 §3.3); Shopify uses `","`. */
  scopeSeparator: Schema.optional(Schema.String),
  /** Extra authorize-URL parameters (`access_type=offline`, `prompt=consent`). */
  authorizeParams: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /** Extra token-request parameters (Shopify's `expiring=1`). */
  tokenParams: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  /**
   * How the client authenticates at the token endpoint (RFC 6749 §2.3.1): `body` sends
   * `client_id` and `client_secret` as form fields, `basic` an HTTP Basic header. Default `body`.
   */
  clientAuth: Schema.optional(Schema.Literal("body", "basic")),
  /** Values the user types before going to the consent page (Shopify: the shop). */
  input: Schema.optional(Schema.Array(FormField)),
  /** Which config keys the grant fills, and with what. */
  fills: Schema.Record({ key: ConfigKey, value: GrantValue }),
  constants: Schema.optional(Constants)
})
export type OAuth2Data = typeof OAuth2Data.Type

/** A form of keys the user types (an API key, a custom app's access token). */
export const KeyFormData = Schema.TaggedStruct("KeyForm", {
  id: Schema.NonEmptyTrimmedString,
  label: Schema.NonEmptyTrimmedString,
  fields: Schema.NonEmptyArray(FormField),
  constants: Schema.optional(Constants)
})
export type KeyFormData = typeof KeyFormData.Type

export const MethodData = Schema.Union(OAuth2Data, KeyFormData)

/** The OAuth client the operator registered with the service once (not per import). */
export interface OAuthClient {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
}

/** Where the grant happens, from the operator settings: fakes and proxies are a settings change. */
export interface OAuth2Endpoints {
  readonly authorizeUrl: string
  readonly tokenUrl: string
}

export interface OAuth2<Settings> extends OAuth2Data {
  /**
   * The endpoints, from the settings and what the user typed (`input`, e.g. the shop), or what is
   * wrong with the input (one line, naming the field). Typed input ends up in a URL, so check it
   * here: a shop of `evil.example/` must not become a host.
   */
  readonly endpoints: (settings: Settings, input: Readonly<Record<string, string>>) => Either.Either<OAuth2Endpoints, string>
  /** The operator's OAuth client from the settings; none when it is not configured. */
  readonly client: (settings: Settings) => Option.Option<OAuthClient>
}

export type KeyForm = KeyFormData

export type Method<Settings> = OAuth2<Settings> | KeyForm

/**
 * Checks a connector's declaration: the data against the schemas above, and that no config key
 * is written twice by one method (the second would silently win). Throws like `defineConnector`.
 */
export const validate = (connectorId: string, methods: ReadonlyArray<Method<any>>): void => {
  const ids = new Set<string>()
  for (const method of methods) {
    const { client: _client, endpoints: _endpoints, ...data } = method as OAuth2<unknown>
    const checked = Schema.decodeUnknownEither(MethodData)(data, { onExcessProperty: "error" })
    if (checked._tag === "Left") {
      const problems = ArrayFormatter.formatErrorSync(checked.left).map((issue) => `${issue.path.join(".")}: ${issue.message}`)
      throw new Error(`connector ${connectorId}: authorization method "${String(method.id)}" is invalid: ${problems.join("; ")}`)
    }
    if (ids.has(method.id)) throw new Error(`connector ${connectorId}: authorization method id "${method.id}" is used twice`)
    ids.add(method.id)
    if (method._tag === "OAuth2" && (typeof method.endpoints !== "function" || typeof method.client !== "function")) {
      throw new Error(`connector ${connectorId}: authorization method "${method.id}" needs endpoints and client functions`)
    }
    const keys = writtenKeys(method)
    const seen = new Set<string>()
    for (const key of keys) {
      if (seen.has(key)) throw new Error(`connector ${connectorId}: authorization method "${method.id}" writes config key "${key}" twice`)
      for (const other of seen) {
        if (key.startsWith(`${other}.`) || other.startsWith(`${key}.`)) {
          throw new Error(`connector ${connectorId}: authorization method "${method.id}" writes both "${other}" and "${key}"`)
        }
      }
      seen.add(key)
    }
  }
}

/** Every config key a method writes. */
export const writtenKeys = (method: Method<any>): ReadonlyArray<string> => [
  ...(method._tag === "OAuth2" ? [...(method.input ?? []).map((f) => f.key), ...Object.keys(method.fills)] : method.fields.map((f) => f.key)),
  ...Object.keys(method.constants ?? {})
]

/**
 * The config fragment a method produces (in the config schema's encoded form: plain strings),
 * wrapped in `Redacted` because it holds secrets: the caller merges it with the criteria and
 * decodes it with the connector's config schema, which redacts the secret values again.
 * `values` are the typed fields (and, for OAuth2, the grant's values by {@link GrantValue}).
 */
export const configFragment = (
  method: Method<any>,
  typed: Readonly<Record<string, string>>,
  grant?: Readonly<Partial<Record<GrantValue, Redacted.Redacted<string> | string>>>
): Either.Either<Redacted.Redacted<Record<string, unknown>>, MissingValue> => {
  const fragment: Record<string, unknown> = {}
  const fields = method._tag === "OAuth2" ? method.input ?? [] : method.fields
  for (const field of fields) {
    const value = typed[field.key]
    if (value === undefined || value.trim() === "") return Either.left({ key: field.key, from: "typed" })
    put(fragment, field.key, value)
  }
  if (method._tag === "OAuth2") {
    for (const [key, from] of Object.entries(method.fills)) {
      const value = grant?.[from]
      if (value === undefined) return Either.left({ key, from })
      put(fragment, key, Redacted.isRedacted(value) ? Redacted.value(value) : value)
    }
  }
  for (const [key, value] of Object.entries(method.constants ?? {})) put(fragment, key, value)
  return Either.right(Redacted.make(fragment))
}

/** A config key {@link configFragment} had no value for: one the user did not type, or a grant value the service did not issue. */
export interface MissingValue {
  readonly key: string
  readonly from: "typed" | GrantValue
}

const put = (target: Record<string, unknown>, key: string, value: string) => {
  const path = key.split(".")
  let node = target
  for (const step of path.slice(0, -1)) {
    const next = Object.hasOwn(node, step) ? node[step] : undefined
    node = typeof next === "object" && next !== null ? next as Record<string, unknown> : (node[step] = {}) as Record<string, unknown>
  }
  node[path[path.length - 1]!] = value
}

// ---------------------------------------------------------------------------------------------
// Errors of the authorization flow: each ends the flow with nothing stored, and says so.
// ---------------------------------------------------------------------------------------------

/** The provider sent the user back with `error=…` (RFC 6749 §4.1.2.1): `access_denied` when they clicked Deny. */
export class AuthorizationDenied extends Schema.TaggedError<AuthorizationDenied>()("AuthorizationDenied", {
  service: Schema.String,
  error: Schema.String,
  description: Schema.optional(Schema.String)
}) {
  override get message() {
    const detail = this.description === undefined ? "" : ` (${this.description})`
    return this.error === "access_denied"
      ? `access to ${this.service} was not granted${detail}; nothing was stored — connect again to retry`
      : `${this.service} refused the authorization: ${this.error}${detail}; nothing was stored`
  }
}

/** The token endpoint refused the code (`invalid_grant`): used already, expired, or not issued for this verifier or redirect URI. */
export class AuthorizationCodeRejected extends Schema.TaggedError<AuthorizationCodeRejected>()("AuthorizationCodeRejected", {
  service: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.service} did not accept the authorization code (${this.detail}): it was already used, has expired or does not belong to this sign-in; nothing was stored — connect again`
  }
}

/**
 * The callback's `state` does not match a pending authorization of this browser session: unknown
 * (forged, or the runner restarted), expired, already used, or started in another session.
 */
export class AuthorizationStateInvalid extends Schema.TaggedError<AuthorizationStateInvalid>()("AuthorizationStateInvalid", {
  reason: Schema.Literal("missing", "unknown", "expired", "used", "other-session")
}) {
  override get message() {
    switch (this.reason) {
      case "missing":
        return "the authorization callback carries no state parameter; nothing was stored — start connecting again"
      case "expired":
        return "this authorization took too long and expired; nothing was stored — start connecting again"
      case "used":
        return "this authorization was already completed; nothing more was stored"
      default:
        return "this authorization was not started from this browser session (or the server restarted); nothing was stored — start connecting again"
    }
  }
}
