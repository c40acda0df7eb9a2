/**
 * A fake HubSpot portal as MSW handlers: contacts search and list, and the OAuth token endpoint
 * (README.md §7), over a seeded {@link Dataset}, with the kit's `Faults`.
 */
import { Faults, makeConsent, Prng } from "@autoimport/connector-kit/testing"
import { http, HttpResponse } from "msw"
import { Dataset, type DatasetOptions, type FakeContact } from "./Dataset.js"
import { defaultProperties, parseSearch, render, search, SearchRejected } from "./Search.js"

export interface HubSpotFakeOptions extends Partial<DatasetOptions> {
  readonly seed: number
  readonly size: number
  /** HubSpot refuses `after` at or past 10,000; a smaller cap keeps the boundary cases small in tests. */
  readonly resultCap?: number
  readonly portalId?: string
  readonly clientId?: string
  readonly clientSecret?: string
  readonly refreshToken?: string
  /** A private app token the search accepts besides OAuth access tokens. */
  readonly privateAppToken?: string
  /** The scopes the grant has; without `crm.objects.contacts.read` search answers 403 `MISSING_SCOPES`. */
  readonly scopes?: ReadonlyArray<string>
  /** Issue a new refresh token on every refresh (HubSpot does not; for testing `onRotate`). */
  readonly rotateRefreshTokens?: boolean
  /** The revoked-refresh-token body: today's (`error` + `status`) or the older `status`-only one. */
  readonly revokedBody?: "standard" | "legacy"
  /**
   * Enforce search's per-second limit in real time (429 with the secondly body, no Retry-After),
   * for the demo sandbox and live tests; off by default, as tests run on the `TestClock`.
   */
  readonly searchRequestsPerSecond?: number
  /**
   * Search sees a change up to this long after it happened (by the fake's clock), each change
   * after its own seeded delay: out of order, as a search index can be.
   */
  readonly indexDelayMillis?: number
  /** How long a code from the consent page can be exchanged (ms, by `now`). Default 10 minutes. */
  readonly codeTtlMillis?: number
  /** The fake's clock for code expiry. Default `Date.now`. */
  readonly now?: () => number
}

const correlationId = (n: number) => `b4c2bed9-bf1f-48a3-949b-${String(n).padStart(12, "0")}`

export const makeHubSpotFake = (options: HubSpotFakeOptions) => {
  const dataset = new Dataset({
    missingEmailRatio: 0.04,
    invalidEmailRatio: 0.04,
    duplicateEmailRatio: 0.04,
    sameTimestamp: 0,
    contactsPerSecond: 3,
    ...options
  })
  const resultCap = options.resultCap ?? 10_000
  const portalId = options.portalId ?? "44237313"
  const clientId = options.clientId ?? "fake-client-id"
  const clientSecret = options.clientSecret ?? "fake-client-secret"
  let refreshToken = options.refreshToken ?? "fake-refresh-token"
  const indexDelay = options.indexDelayMillis ?? 0
  let errors = 0
  /** HubSpot's error envelope (as in test/fixtures/error-search-invalid-object.json, plus `category`). */
  const errorBody = (status: number, message: string, category?: string) =>
    status === 429
      ? { status: "error", message: "You have reached your secondly limit.", correlationId: correlationId(++errors), category: "RATE_LIMITS" }
      : {
        status: "error",
        message,
        correlationId: correlationId(++errors),
        ...(category === undefined ? {} : { category })
      }
  const faults = new Faults({ errorBody })
  const issued = new Map<string, number>()
  let tokensIssued = 0
  const consent = makeConsent({
    provider: "HubSpot",
    clients: { [clientId]: { appName: "autoimport (fake HubSpot app)" } },
    ...(options.codeTtlMillis === undefined ? {} : { codeTtlMillis: options.codeTtlMillis }),
    ...(options.now === undefined ? {} : { now: options.now })
  })
  /** Refresh tokens of installs through the consent page (each install is a new grant). */
  const granted = new Set<string>()
  let installs = 0
  /** Every search request body, for tests that check what the connector sends. */
  const searches: Array<unknown> = []
  /** Search requests refused for paging past the result cap. */
  let capRejections = 0

  const indexed = (contact: FakeContact) =>
    indexDelay === 0 ||
    contact.updatedAt + Math.floor(indexDelay * Prng.derive(options.seed ^ contact.updatedAt, contact.index).next()) <= dataset.now

  const scopes = options.scopes ?? ["oauth", "crm.objects.contacts.read"]
  const missingScopes = () =>
    HttpResponse.json({
      ...errorBody(403, "This app hasn't been granted all required scopes to make this call.", "MISSING_SCOPES"),
      errors: [{ message: "One or more of the following scopes are required.", context: { requiredGranularScopes: ["crm.objects.contacts.read"] } }]
    }, { status: 403 })

  /** Real-time arrivals of the last second, for `searchRequestsPerSecond`. */
  let recentSearches: Array<number> = []
  let secondlyRejections = 0
  const overSecondlyLimit = (): boolean => {
    if (options.searchRequestsPerSecond === undefined) return false
    const now = Date.now()
    recentSearches = recentSearches.filter((at) => at > now - 1000)
    if (recentSearches.length >= options.searchRequestsPerSecond) return true
    recentSearches.push(now)
    return false
  }

  /** The ten-secondly bucket of non-search requests (110 per 10 s for public apps, §6), in real time. */
  const tenSecondly = { max: 110, windowStart: 0, used: 0 }
  const rateLimitHeaders = () => {
    const now = Date.now()
    if (now - tenSecondly.windowStart >= 10_000) Object.assign(tenSecondly, { windowStart: now, used: 0 })
    tenSecondly.used++
    return {
      "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
      "X-HubSpot-RateLimit-Max": String(tenSecondly.max),
      "X-HubSpot-RateLimit-Remaining": String(Math.max(0, tenSecondly.max - tenSecondly.used))
    }
  }

  const authError = (request: Request): Response | undefined => {
    const token = request.headers.get("authorization")?.replace(/^Bearer /, "")
    const epoch = token === undefined ? undefined : issued.get(token)
    const valid = (token !== undefined && token === options.privateAppToken && !faults.refreshTokensRevoked) ||
      (epoch !== undefined && epoch === faults.accessTokenEpoch)
    if (valid) return scopes.includes("crm.objects.contacts.read") ? undefined : missingScopes()
    if (epoch !== undefined) {
      return HttpResponse.json(
        { ...errorBody(401, "The OAuth token used to make this call expired 75 second(s) ago.", "EXPIRED_AUTHENTICATION"), context: { "expire time": [new Date().toISOString()] } },
        { status: 401 }
      )
    }
    return HttpResponse.json(
      errorBody(401, "Authentication credentials not found. This API supports OAuth 2.0 authentication.", "INVALID_AUTHENTICATION"),
      { status: 401 }
    )
  }

  const refresh = async (request: Request, camelCase: boolean) => {
    const form = new URLSearchParams(await request.text())
    const revoked = () =>
      HttpResponse.json(
        options.revokedBody === "legacy"
          ? { status: "BAD_REFRESH_TOKEN", message: "missing or invalid refresh token" }
          : {
            error: "invalid_grant",
            error_description: "refresh token is invalid, expired or revoked",
            status: "BAD_REFRESH_TOKEN",
            message: "refresh token is invalid, expired or revoked"
          },
        { status: 400 }
      )
    const grantType = form.get("grant_type")
    if (grantType !== "refresh_token" && grantType !== "authorization_code") {
      return HttpResponse.json({ error: "unsupported_grant_type", status: "BAD_GRANT_TYPE", message: "grant_type must be refresh_token or authorization_code" }, { status: 400 })
    }
    if (form.get("client_id") !== clientId || form.get("client_secret") !== clientSecret) {
      return HttpResponse.json({ error: "invalid_client", status: "BAD_CLIENT_ID", message: "missing or unknown client id" }, { status: 400 })
    }
    let presented = form.get("refresh_token") ?? ""
    if (grantType === "authorization_code") {
      const result = consent.redeem(Object.fromEntries(form), clientId)
      if (result._tag === "Refused") {
        return HttpResponse.json({ error: result.error, error_description: result.description, status: "BAD_AUTH_CODE", message: result.description }, { status: 400 })
      }
      presented = `fake-granted-refresh-token-${++installs}`
      granted.add(presented)
    } else if (faults.refreshTokensRevoked || (presented !== refreshToken && !granted.has(presented))) {
      return revoked()
    }
    let answered = presented
    if (options.rotateRefreshTokens && grantType === "refresh_token") {
      answered = `fake-refresh-token-${tokensIssued + 1}`
      if (presented === refreshToken) refreshToken = answered
      else {
        granted.delete(presented)
        granted.add(answered)
      }
    }
    const accessToken = `fake-access-${faults.accessTokenEpoch}-${++tokensIssued}`
    issued.set(accessToken, faults.accessTokenEpoch)
    // Not `faults.json`: a malformed-body fault is meant for the search answer it is armed for.
    return HttpResponse.json(
      camelCase
        ? { tokenType: "bearer", refreshToken: answered, accessToken, expiresIn: 1800, hubId: Number(portalId), scopes }
        : { token_type: "bearer", refresh_token: answered, access_token: accessToken, expires_in: 1800 }
    )
  }

  const handlers = [
    http.get("/oauth/authorize", ({ request }) => consent.page(request)),
    http.post("/oauth/authorize", ({ request }) => consent.decide(request)),
    http.post("/oauth/v1/token", ({ request }) => refresh(request, false)),
    // The v3 successor (§2): camelCase on the wire per one reference page (unconfirmed).
    http.post("/oauth/v3/token", ({ request }) => refresh(request, true)),
    http.post("/crm/v3/objects/contacts/search", async ({ request }) => {
      const fault = await faults.intercept()
      if (fault) return fault
      if (overSecondlyLimit()) {
        secondlyRejections++
        return HttpResponse.json(errorBody(429, "secondly"), { status: 429 })
      }
      const denied = authError(request)
      if (denied) return denied
      const body: unknown = await request.json().catch(() => undefined)
      searches.push(body)
      try {
        const query = parseSearch(body, resultCap)
        const result = search(dataset, query, { indexed })
        return faults.json({
          total: result.total,
          results: result.results.map((contact) => render(contact, query.properties, portalId)),
          ...(result.nextAfter === undefined ? {} : { paging: { next: { after: String(result.nextAfter) } } })
        })
      } catch (error) {
        if (!(error instanceof SearchRejected)) throw error
        if (/^Paging past/.test(error.message)) capRejections++
        return HttpResponse.json(errorBody(error.status, error.message, error.category), { status: error.status })
      }
    }),
    // The list (§1): ascending ids, an opaque `after` (base64 of the next id, as HubSpot's
    // example cursor decodes to `525\n`), `archived=true` for deleted contacts only. Over 100 is
    // clamped (HubSpot's exact behaviour is unconfirmed).
    http.get("/crm/v3/objects/contacts", async ({ request }) => {
      const fault = await faults.intercept()
      if (fault) return fault
      const denied = authError(request)
      if (denied) return denied
      const params = new URL(request.url).searchParams
      const limit = Math.min(100, Math.max(1, Number(params.get("limit") ?? 10) || 10))
      const archived = params.get("archived") === "true"
      const properties = params.get("properties")?.split(",").filter((p) => p !== "") ?? defaultProperties
      const after = params.get("after")
      const from = after === null ? 0 : Dataset.indexOf(Buffer.from(decodeURIComponent(after), "base64").toString("utf8").trim())
      if (!Number.isInteger(from) || from < 0) {
        return HttpResponse.json(errorBody(400, `Invalid after cursor: ${after}`, "VALIDATION_ERROR"), { status: 400 })
      }
      const page: Array<FakeContact> = []
      let next: number | undefined
      for (let i = from; i < dataset.size; i++) {
        const contact = dataset.contact(i)!
        if (contact.archived !== archived) continue
        if (page.length === limit) {
          next = i
          break
        }
        page.push(contact)
      }
      const cursor = next === undefined ? undefined : encodeURIComponent(Buffer.from(`${Dataset.idOf(next)}\n`).toString("base64"))
      return faults.json({
        results: page.map((contact) => render(contact, properties, portalId)),
        ...(cursor === undefined ? {} : { paging: { next: { after: cursor, link: `?after=${cursor}` } } })
      }, { headers: rateLimitHeaders() })
    }),
    // Any other object type: the body recorded in test/fixtures/error-search-invalid-object.json.
    http.post("/crm/v3/objects/:objectType/search", ({ params }) =>
      HttpResponse.json(errorBody(400, `Unable to infer object type from: ${String(params["objectType"])}`), { status: 400 }))
  ]

  return {
    handlers,
    faults,
    dataset,
    portalId,
    clientId,
    clientSecret,
    /** The consent page at `/oauth/authorize` and its codes. */
    consent,
    /** Settings for a fake at `url` that make "Connect with HubSpot" work against it (encoded: the secret in plain text). */
    oauthSettings: (url: string) => ({ authorizeUrl: `${url}/oauth/authorize`, tokenUrl: `${url}/oauth/v1/token`, oauthClient: { clientId, clientSecret } }),
    searches,
    /** How many searches paged past the result cap (a connector that restarts its window never does). */
    get capRejections() {
      return capRejections
    },
    /** Searches refused by `searchRequestsPerSecond`. */
    get secondlyRejections() {
      return secondlyRejections
    },
    /** Access tokens handed out by the token endpoint. */
    get tokensIssued() {
      return tokensIssued
    },
    /** The refresh token the fake accepts now (changes when rotating). */
    get refreshToken() {
      return refreshToken
    },
    /** Every contact search can find (not deleted), in id order; optionally only some stages. */
    contacts: (stages?: ReadonlyArray<string>): ReadonlyArray<FakeContact> => {
      const found: Array<FakeContact> = []
      for (let i = 0; i < dataset.size; i++) {
        const contact = dataset.contact(i)!
        if (contact.archived) continue
        if (stages !== undefined && stages.length > 0 && !stages.includes(contact.properties["lifecyclestage"] ?? "")) continue
        found.push(contact)
      }
      return found
    },
    /** The portal's clock moves on, e.g. past the index delay. */
    advance: (millis: number) => {
      dataset.now += millis
    }
  }
}

export type HubSpotFake = ReturnType<typeof makeHubSpotFake>
