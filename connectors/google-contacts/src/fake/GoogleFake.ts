/**
 * A faithful fake of the People API and Google's token endpoint (README.md §7), as MSW handlers
 * over a {@link Dataset}. Serve it on a real port with `serveFake` from
 * `@autoimport/connector-kit/testing`.
 */
import { clientCredentials, type Consent, Faults, makeConsent } from "@autoimport/connector-kit/testing"
import { ExternalId, SourceContact } from "@autoimport/core/Domain"
import * as Email from "@autoimport/core/Email"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { http, HttpResponse, type RequestHandler } from "msw"
import { Dataset, type FakePerson, type PersonData } from "./Dataset.js"
import { render } from "./render.js"

export interface GoogleFakeOptions {
  /** Default 1. The same seed gives the same people, resource names and tokens. */
  readonly seed?: number
  /** People at the start. Default 100; a million is fine (built on demand). */
  readonly size?: number
  /** Share of people without an email. Default 0.05. */
  readonly missingEmailRatio?: number
  /** Share of people with an invalid email. Default 0.05. */
  readonly invalidEmailRatio?: number
  /** Share of people sharing another's email up to case and spaces. Default 0.02. */
  readonly duplicateEmailRatio?: number
  /** Contact groups besides `myContacts`. Default `["friends", "family", "coworkers"]`. */
  readonly groups?: ReadonlyArray<string>
  /** Consecutive seeded people with the same `updateTime`. Default 3. */
  readonly sameUpdateTimeRun?: number
  /** `expires_in` of issued access tokens (real seconds). Default 3599. */
  readonly accessTokenTtlSeconds?: number
  /** Issue a new refresh token on every refresh (the old one stops working). Default false. */
  readonly rotateRefreshTokens?: boolean
  /** How long an authorization code from the consent page can be exchanged (ms, by `now`). Default 10 minutes. */
  readonly codeTtlMillis?: number
  /** The fake's clock for code expiry. Default `Date.now`. */
  readonly now?: () => number
}

/** Credentials the fake accepts, in the shape of the connector's import config. */
export interface GoogleFakeCredentials {
  readonly clientId: string
  readonly clientSecret: Redacted.Redacted<string>
  readonly refreshToken: Redacted.Redacted<string>
}

export interface GoogleFake {
  /** Serve them: `const { url } = yield* serveFake(fake.handlers)`. */
  readonly handlers: ReadonlyArray<RequestHandler>
  readonly dataset: Dataset
  readonly faults: Faults
  /** A valid grant; put it in the import config (`{ ...fake.credentials, contactGroup? }`). */
  readonly credentials: GoogleFakeCredentials
  /**
   * The connector settings for a fake served at `url`, with the fake's consent page and its
   * OAuth client registered (encoded: the secret in plain text), so "Connect" works offline.
   */
  readonly settings: (url: string) => {
    readonly baseUrl: string
    readonly authorizeUrl: string
    readonly tokenUrl: string
    readonly oauthClient: { readonly clientId: string; readonly clientSecret: string }
  }
  /** The consent page at `/o/oauth2/v2/auth` and its codes. */
  readonly consent: Consent
  /** Requests seen, per endpoint. */
  readonly counts: { token: number; connections: number; contactGroups: number }
  /** The current refresh token (changes when `rotateRefreshTokens` is on). */
  readonly refreshToken: () => string
  /** A sync token issued now: it replays only changes made from here on. */
  readonly syncTokenNow: () => string
  /** Live people in the criteria, as a full pull delivers them (without previousExternalIds). */
  readonly expected: (criteria?: { readonly contactGroup?: string }) => Generator<SourceContact>
  /** Of `expected`: the normalized emails that make contacts (valid ones, each once). */
  readonly expectedEmails: (criteria?: { readonly contactGroup?: string }) => Set<string>
}

const envelope = (code: number, message: string, status: string, details?: ReadonlyArray<unknown>) => ({
  error: { code, message, status, ...(details ? { details } : {}) }
})

const statusName: Record<number, string> = {
  400: "INVALID_ARGUMENT",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "NOT_FOUND",
  429: "RESOURCE_EXHAUSTED",
  500: "INTERNAL",
  502: "UNAVAILABLE",
  503: "UNAVAILABLE",
  504: "DEADLINE_EXCEEDED"
}

const badRequest = (message: string) => HttpResponse.json(envelope(400, message, "INVALID_ARGUMENT"), { status: 400 })

const expiredSyncToken = () =>
  HttpResponse.json(
    envelope(400, "Sync token is expired. Clear local cache and retry call without the sync token.", "FAILED_PRECONDITION", [
      { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "EXPIRED_SYNC_TOKEN", domain: "people.googleapis.com" }
    ]),
    { status: 400 }
  )

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url")
const decode = (token: string): Record<string, unknown> | undefined => {
  try {
    const value = JSON.parse(Buffer.from(token, "base64url").toString())
    return typeof value === "object" && value !== null ? value : undefined
  } catch {
    return undefined
  }
}

/** The parameters a page or sync call must repeat from the listing's first call. */
const frozenParams = (url: URL) =>
  JSON.stringify(
    ["personFields", "pageSize", "sortOrder", "requestSyncToken", "syncToken", "sources"].map((name) => url.searchParams.getAll(name))
  )

/**
 * Builds a fake Google account. Typical use (any package, any test):
 *
 * ```ts
 * import { makeGoogleFake } from "@autoimport/connector-google-contacts/fake"
 * import { serveFake } from "@autoimport/connector-kit/testing"
 *
 * const fake = makeGoogleFake({ seed: 7, size: 1_000 })
 * const { url } = yield* serveFake(fake.handlers)          // scoped: closes with the test
 * // connector settings: fake.settings(url); import config: { ...fake.credentials }
 * fake.dataset.edit(someResourceName)                      // then sync again
 * fake.faults.rateLimitNext(3, 30)                         // faults for the next requests
 * ```
 */
export const makeGoogleFake = (options: GoogleFakeOptions = {}): GoogleFake => {
  const seed = options.seed ?? 1
  const dataset = new Dataset({
    seed,
    size: options.size ?? 100,
    missingEmailRatio: options.missingEmailRatio ?? 0.05,
    invalidEmailRatio: options.invalidEmailRatio ?? 0.05,
    duplicateEmailRatio: options.duplicateEmailRatio ?? 0.02,
    groups: options.groups ?? ["friends", "family", "coworkers"],
    sameUpdateTimeRun: options.sameUpdateTimeRun ?? 3
  })
  const faults = new Faults({ errorBody: (code, message) => envelope(code, message, statusName[code] ?? "UNKNOWN") })
  const clientId = `fake-client-${seed}.apps.googleusercontent.com`
  const clientSecret = `fake-secret-${seed}`
  let refreshToken = `1//fake-refresh-${seed}-0`
  let rotations = 0
  let issued = 0
  const accessTokens = new Map<string, { readonly expiresAt: number; readonly epoch: number }>()
  const counts = { token: 0, connections: 0, contactGroups: 0 }
  const ttl = options.accessTokenTtlSeconds ?? 3599
  const consent = makeConsent({
    provider: "Google",
    clients: { [clientId]: { appName: "autoimport (fake Google client)" } },
    ...(options.codeTtlMillis === undefined ? {} : { codeTtlMillis: options.codeTtlMillis }),
    ...(options.now === undefined ? {} : { now: options.now })
  })
  /** Refresh tokens issued by consent-page grants (each a new grant: Google issues one per `prompt=consent`). */
  const granted = new Set<string>()

  const unauthenticated = () =>
    HttpResponse.json(
      envelope(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.",
        "UNAUTHENTICATED"
      ),
      { status: 401 }
    )

  const authorized = (request: Request) => {
    const token = /^Bearer (.+)$/.exec(request.headers.get("authorization") ?? "")?.[1]
    const grant = token === undefined ? undefined : accessTokens.get(token)
    return grant !== undefined && grant.epoch === faults.accessTokenEpoch && Date.now() < grant.expiresAt
  }

  const invalidGrant = (description: string) => HttpResponse.json({ error: "invalid_grant", error_description: description }, { status: 400 })

  const issueAccessToken = () => {
    const accessToken = `ya29.fake-${seed}-${++issued}`
    accessTokens.set(accessToken, { expiresAt: Date.now() + ttl * 1000, epoch: faults.accessTokenEpoch })
    return accessToken
  }

  const tokenHandler = http.post("/token", async ({ request }) => {
    counts.token++
    const body = await request.text()
    const form = Object.fromEntries(new URLSearchParams(body))
    // The echo fault: the error quotes the form it got, secrets and all.
    const echo = faults.echoingRequests ? ` (request: ${body})` : ""
    const grantType = form["grant_type"]
    if (grantType !== "refresh_token" && grantType !== "authorization_code") {
      return HttpResponse.json({ error: "unsupported_grant_type", error_description: "Invalid grant_type: " + grantType }, { status: 400 })
    }
    const client = clientCredentials(request, form)
    if (client.clientId !== clientId || client.clientSecret !== clientSecret) {
      return HttpResponse.json({ error: "invalid_client", error_description: "The OAuth client was not found." }, { status: 401 })
    }
    if (grantType === "authorization_code") {
      const result = consent.redeem(form, client.clientId)
      if (result._tag === "Refused") return HttpResponse.json({ error: result.error, error_description: result.description }, { status: 400 })
      const grant = `1//fake-granted-${seed}-${++issued}`
      granted.add(grant)
      return HttpResponse.json({
        access_token: issueAccessToken(),
        expires_in: ttl,
        // Google sends a refresh token only for access_type=offline (README.md §2).
        ...(result.grant.asked["access_type"] === "offline" ? { refresh_token: grant } : {}),
        scope: result.grant.scopes.join(" "),
        token_type: "Bearer"
      })
    }
    const presented = form["refresh_token"] ?? ""
    if (faults.refreshTokensRevoked || (presented !== refreshToken && !granted.has(presented))) {
      return invalidGrant("Token has been expired or revoked." + echo)
    }
    const accessToken = issueAccessToken()
    let rotated: string | undefined
    if (options.rotateRefreshTokens) {
      rotated = `1//fake-refresh-${seed}-${++rotations}`
      if (presented === refreshToken) refreshToken = rotated
      else {
        granted.delete(presented)
        granted.add(rotated)
      }
    }
    return HttpResponse.json({
      access_token: accessToken,
      expires_in: ttl,
      scope: "https://www.googleapis.com/auth/contacts.readonly",
      token_type: "Bearer",
      ...(rotated === undefined ? {} : { refresh_token: rotated })
    })
  })

  const consentHandlers = [
    http.get("/o/oauth2/v2/auth", ({ request }) => consent.page(request)),
    http.post("/o/oauth2/v2/auth", ({ request }) => consent.decide(request))
  ]

  const connectionsHandler = http.get("/v1/people/:person/connections", async ({ params, request }) => {
    counts.connections++
    if (!authorized(request)) return unauthenticated()
    const fault = await faults.intercept()
    if (fault) return fault
    if (params.person !== "me") return badRequest("Must be a person resource name: people/me.")
    const url = new URL(request.url)
    const mask = url.searchParams.get("personFields")
    if (!mask) {
      return badRequest("personFields mask is required. Please specify one or more valid paths. Valid paths are documented at https://developers.google.com/people/api/rest/v1/people.connections/list.")
    }
    const pageSize = url.searchParams.has("pageSize") ? Number(url.searchParams.get("pageSize")) : 0
    if (!Number.isInteger(pageSize) || pageSize < 0) return badRequest("Page size must be a non-negative integer.")
    if (pageSize > 1000) return badRequest("Page size must be less than or equal to 1000.")
    const fields = new Set(mask.split(",").map((f) => f.trim()))
    const syncTokenText = url.searchParams.get("syncToken")
    const pageTokenText = url.searchParams.get("pageToken")

    let since: number | undefined
    if (syncTokenText !== null) {
      const token = decode(syncTokenText)
      if (token?.k !== "sync" || typeof token.s !== "number") return badRequest("Sync token is invalid.")
      if (token.e !== faults.cursorEpoch) return expiredSyncToken()
      since = token.s
    }
    let position: number
    let issuedAt: number
    if (pageTokenText !== null) {
      const token = decode(pageTokenText)
      if (token?.k !== "page" || typeof token.p !== "number" || typeof token.i !== "number") {
        return badRequest("Page token is invalid.")
      }
      if (token.e !== faults.cursorEpoch) return badRequest("Page token is invalid or expired.")
      if (token.h !== frozenParams(url)) {
        return badRequest("Request parameters must match the parameters of the request that returned the page token.")
      }
      position = token.p
      issuedAt = token.i
    } else {
      position = since ?? 0
      issuedAt = dataset.seq
    }
    const page = since === undefined
      ? dataset.fullPage(position, pageSize || 100)
      : dataset.changesPage(position, pageSize || 100)
    const last = page.next === undefined
    const sync = since !== undefined
    return faults.json({
      ...(page.people.length > 0 ? { connections: page.people.map((person) => render(person, seed, fields, sync)) } : {}),
      ...(last ? {} : { nextPageToken: encode({ k: "page", p: page.next, i: issuedAt, h: frozenParams(url), e: faults.cursorEpoch }) }),
      // Issued at the listing's first call: changes made while paging are replayed next time.
      ...(last && url.searchParams.get("requestSyncToken") === "true" ? { nextSyncToken: encode({ k: "sync", s: issuedAt, e: faults.cursorEpoch }) } : {}),
      ...(since === undefined ? { totalItems: dataset.options.size, totalPeople: dataset.options.size } : {})
    })
  })

  const groupHandler = http.get("/v1/contactGroups/:group", async ({ params, request }) => {
    counts.contactGroups++
    if (!authorized(request)) return unauthenticated()
    const fault = await faults.intercept()
    if (fault) return fault
    const group = String(params.group)
    if (group !== "myContacts" && !dataset.options.groups.includes(group)) {
      return HttpResponse.json(envelope(404, "Requested entity was not found.", "NOT_FOUND"), { status: 404 })
    }
    const system = group === "myContacts"
    return faults.json({
      resourceName: `contactGroups/${group}`,
      groupType: system ? "SYSTEM_CONTACT_GROUP" : "USER_CONTACT_GROUP",
      name: group,
      formattedName: system ? "My Contacts" : group
    })
  })

  const expected = function*(criteria: { readonly contactGroup?: string } = {}): Generator<SourceContact> {
    const group = criteria.contactGroup?.replace(/^contactGroups\//, "")
    for (const person of dataset.people()) {
      if (group === undefined || person.groups.includes(group)) yield expectedRecord(person)
    }
  }

  return {
    handlers: [tokenHandler, ...consentHandlers, connectionsHandler, groupHandler],
    dataset,
    faults,
    credentials: { clientId, clientSecret: Redacted.make(clientSecret), refreshToken: Redacted.make(refreshToken) },
    settings: (url) => ({
      baseUrl: url,
      authorizeUrl: `${url}/o/oauth2/v2/auth`,
      tokenUrl: `${url}/token`,
      oauthClient: { clientId, clientSecret }
    }),
    consent,
    counts,
    refreshToken: () => refreshToken,
    syncTokenNow: () => encode({ k: "sync", s: dataset.seq, e: faults.cursorEpoch }),
    expected,
    expectedEmails: (criteria) => {
      const emails = new Set<string>()
      for (const record of expected(criteria)) {
        if (record.email === null) continue
        const normalized = Email.normalize(record.email)
        if (Either.isRight(normalized)) emails.add(normalized.right)
      }
      return emails
    }
  }
}

const pad = (n: number) => String(n).padStart(2, "0")

/** The record the connector should make of a person, from the truth model (not the JSON). */
export const expectedRecord = (person: FakePerson): SourceContact =>
  new SourceContact({
    externalId: ExternalId.make(person.resourceName),
    email: person.email,
    firstName: person.givenName,
    lastName: person.familyName,
    phone: person.phone,
    fields: {
      company: person.company,
      job_title: person.jobTitle,
      department: person.department,
      birthday: person.birthday === null
        ? null
        : `${person.birthday.year === undefined ? "-" : person.birthday.year}-${pad(person.birthday.month)}-${pad(person.birthday.day)}`,
      address: person.address === null ? null : `${person.address.street}\n${person.address.city}\n${person.address.country}`,
      city: person.address?.city ?? null,
      country: person.address?.country ?? null,
      notes: person.notes
    }
  })

export type { FakePerson, PersonData }
