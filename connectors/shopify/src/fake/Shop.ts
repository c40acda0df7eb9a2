/**
 * A fake Shopify shop (README.md §7) as MSW handlers: the Admin GraphQL endpoint for
 * the `customers` query and the OAuth token endpoint, over a {@link Dataset}.
 *
 * - GraphQL: `X-Shopify-Access-Token` auth (401 with Shopify's string body); only `customers`
 *   with `sortKey: UPDATED_AT` ascending (anything else is answered with a GraphQL error naming
 *   what the fake does not serve); `first` ≤ 250; opaque `after` cursors bound to the query
 *   filter; `updated_at` comparisons `> >= < <=` on quoted, zoned ISO values joined by AND.
 * - Query cost: 2 + first × (1 + object fields per node), a leaky bucket that reserves the
 *   requested cost and refunds to the actual one, `THROTTLED` when it cannot (HTTP 200 by
 *   default), `MAX_COST_EXCEEDED` above 1000; `extensions.cost` on every other answer.
 * - Tokens: `refresh_token` grants rotate the refresh token (the previous one stays valid until
 *   the new one is first used, then `invalid_grant`), access tokens expire after an hour;
 *   `authorization_code` grants (`expiring=1` for an expiring token).
 * - Faults: the kit's switches (429/5xx/slow/malformed on the GraphQL endpoint; revoked refresh
 *   tokens and expired access tokens on both).
 */
import { type Consent, Faults, makeConsent } from "@autoimport/connector-kit/testing"
import { http, HttpResponse, type RequestHandler } from "msw"
import { compareKeys, type CustomerNode, Dataset, type DatasetOptions, type Key } from "./Dataset.js"

export interface ShopifyFakeOptions extends DatasetOptions {
  /** The cost bucket. Default 2000 points restoring 100/s (the Standard plan, README.md §6). */
  readonly bucket?: { readonly maximumAvailable: number; readonly restoreRate: number }
  /** The HTTP status of THROTTLED answers (unconfirmed, README.md §6). Default 200. */
  readonly throttledStatus?: 200 | 429
  /** Scopes granted to new access tokens. Default `read_customers`. */
  readonly scope?: string
  /** The shop's time (ms) for the bucket, token and code expiry. Default `Date.now`; tests pass their own. */
  readonly now?: () => number
  /** How long a code from the consent page can be exchanged (ms). Default 10 minutes. */
  readonly codeTtlMillis?: number
}

export const clientId = "fake-client-id"
export const clientSecret = "fake-client-secret"

const maxQueryCost = 1000
const accessTokenSeconds = 3600

/** What the fake saw, in order: refreshes (with the token presented) and queries. */
export type ShopEvent =
  | { readonly _tag: "Refresh"; readonly refreshToken: string; readonly rotatedTo: string }
  | { readonly _tag: "Query"; readonly variables: Record<string, unknown> }
  | { readonly _tag: "Throttled"; readonly requested: number; readonly available: number }

export interface ShopifyFake {
  readonly handlers: ReadonlyArray<RequestHandler>
  readonly faults: Faults
  readonly dataset: Dataset
  readonly events: Array<ShopEvent>
  /** A new installation of the app: the refresh token of a fresh expiring offline grant. */
  readonly grant: () => string
  /** An authorization code for the `authorization_code` grant, without going through the consent page. */
  readonly authorizationCode: () => string
  /** The consent page at `/admin/oauth/authorize` (any shop) and its codes. */
  readonly consent: Consent
  /** Sets how many points the bucket holds now. */
  readonly setAvailable: (points: number) => void
  /** Every live customer as the API shows it, in `UPDATED_AT` order (lazily). */
  readonly customers: () => Iterable<CustomerNode>
}

/**
 * One installation's refresh tokens. `current` is the last one used (or the granted one);
 * `pending` were issued by refreshes but not used yet. All of them are valid until one of the
 * pending ones is used: then it becomes current and every other one dies ("the previous refresh
 * token stays valid until the new one is first used", README.md §2).
 */
interface Chain {
  current: string
  pending: Set<string>
}

const graphqlError = (message: string, code: string, extra: Record<string, unknown> = {}) => ({
  errors: [{ message, extensions: { code, ...extra } }]
})

export const makeShopifyFake = (options: ShopifyFakeOptions): ShopifyFake => {
  const dataset = new Dataset(options)
  const now = options.now ?? Date.now
  const bucketSize = options.bucket ?? { maximumAvailable: 2000, restoreRate: 100 }
  const scope = options.scope ?? "read_customers"
  const faults = new Faults({
    errorBody: (_status, message) => ({ errors: message }),
    // The customers are not in a top-level array, so the kit's default reshaping would miss them.
    reshape: (body: any) => ({ ...body, data: { customers: { ...body?.data?.customers, nodes: "unexpected" } } })
  })
  const events: Array<ShopEvent> = []

  // --- the cost bucket ---------------------------------------------------------------------
  let available = bucketSize.maximumAvailable
  let filledAt = now()
  const currentlyAvailable = () => {
    const at = now()
    available = Math.min(bucketSize.maximumAvailable, available + ((at - filledAt) / 1000) * bucketSize.restoreRate)
    filledAt = at
    return available
  }
  const cost = (requested: number, actual: number | null) => ({
    requestedQueryCost: requested,
    actualQueryCost: actual,
    throttleStatus: { ...bucketSize, currentlyAvailable: Math.floor(currentlyAvailable()) }
  })

  // --- tokens ------------------------------------------------------------------------------
  let issued = 0
  /** Every live refresh token, with its installation. */
  const chains = new Map<string, Chain>()
  const accessTokens = new Map<string, { readonly epoch: number; readonly expiresAt: number | undefined }>()
  const codes = new Set<string>()
  const consent = makeConsent({
    provider: "Shopify",
    clients: { [clientId]: { appName: "autoimport (fake Shopify app)" } },
    now,
    ...(options.codeTtlMillis === undefined ? {} : { codeTtlMillis: options.codeTtlMillis })
  })
  const newRefreshToken = () => `shprt_${++issued}`
  const newAccessToken = (expiring: boolean) => {
    const token = `shpat_${++issued}`
    accessTokens.set(token, { epoch: faults.accessTokenEpoch, expiresAt: expiring ? now() + accessTokenSeconds * 1000 : undefined })
    return token
  }
  const grant = () => {
    const token = newRefreshToken()
    chains.set(token, { current: token, pending: new Set() })
    return token
  }
  /** Uses a refresh token: its chain's next refresh token, or undefined when it is dead. */
  const rotate = (presented: string): string | undefined => {
    const chain = chains.get(presented)
    if (chain === undefined || (presented !== chain.current && !chain.pending.has(presented))) return undefined
    if (presented !== chain.current) {
      for (const dead of [chain.current, ...chain.pending]) if (dead !== presented) chains.delete(dead)
      chain.current = presented
      chain.pending.clear()
    }
    const next = newRefreshToken()
    chain.pending.add(next)
    chains.set(next, chain)
    return next
  }
  const tokenError = (status: number, error: string, description: string) =>
    HttpResponse.json({ error, error_description: description }, { status })

  const tokenEndpoint = http.post("*/admin/oauth/access_token", async ({ request }) => {
    const text = await request.text()
    const params: Record<string, string> = (request.headers.get("content-type") ?? "").includes("json")
      ? JSON.parse(text)
      : Object.fromEntries(new URLSearchParams(text))
    if (params["client_id"] !== clientId || params["client_secret"] !== clientSecret) {
      return tokenError(401, "invalid_client", "Client authentication failed.")
    }
    if (params["grant_type"] === "refresh_token") {
      const presented = params["refresh_token"] ?? ""
      const rotatedTo = faults.refreshTokensRevoked ? undefined : rotate(presented)
      if (rotatedTo === undefined) return tokenError(400, "invalid_grant", "The refresh token is invalid, expired or revoked.")
      events.push({ _tag: "Refresh", refreshToken: presented, rotatedTo })
      return HttpResponse.json({
        access_token: newAccessToken(true),
        expires_in: accessTokenSeconds,
        refresh_token: rotatedTo,
        refresh_token_expires_in: 7_776_000,
        scope
      })
    }
    if (params["grant_type"] === undefined || params["grant_type"] === "authorization_code") {
      const code = params["code"] ?? ""
      if (!codes.delete(code)) {
        const result = consent.redeem(params, params["client_id"])
        if (result._tag === "Refused") return tokenError(400, result.error, result.description)
      }
      if (params["expiring"] !== "1") return HttpResponse.json({ access_token: newAccessToken(false), scope })
      return HttpResponse.json({
        access_token: newAccessToken(true),
        expires_in: accessTokenSeconds,
        refresh_token: grant(),
        refresh_token_expires_in: 7_776_000,
        scope
      })
    }
    return tokenError(400, "unsupported_grant_type", `grant_type ${params["grant_type"]} is not supported`)
  })

  // --- GraphQL -----------------------------------------------------------------------------
  const graphql = http.post("*/admin/api/:version/graphql.json", async ({ request }) => {
    const fault = await faults.intercept()
    if (fault) return fault
    const token = accessTokens.get(request.headers.get("x-shopify-access-token") ?? "")
    if (token === undefined || token.epoch !== faults.accessTokenEpoch || (token.expiresAt !== undefined && token.expiresAt <= now())) {
      return HttpResponse.json({ errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" }, { status: 401 })
    }
    const body = (await request.json().catch(() => undefined)) as { query?: unknown; variables?: Record<string, unknown> } | undefined
    const parsed = parseOperation(body?.query, body?.variables ?? {})
    if ("error" in parsed) return HttpResponse.json(graphqlError(parsed.error, parsed.code))
    events.push({ _tag: "Query", variables: body?.variables ?? {} })
    if (!scope.split(",").includes("read_customers")) {
      return faults.json({
        ...graphqlError("Access denied for customers field. Required access: `read_customers` access scope.", "ACCESS_DENIED"),
        data: { customers: null },
        extensions: { cost: cost(parsed.requestedCost, null) }
      })
    }
    if (parsed.requestedCost > maxQueryCost) {
      return HttpResponse.json(graphqlError(
        `Query cost is ${parsed.requestedCost}, which exceeds the single query max cost limit (${maxQueryCost}).`,
        "MAX_COST_EXCEEDED",
        { cost: parsed.requestedCost, maxCost: maxQueryCost, documentation: "https://shopify.dev/api/usage/rate-limits" }
      ))
    }
    if (currentlyAvailable() < parsed.requestedCost) {
      events.push({ _tag: "Throttled", requested: parsed.requestedCost, available: Math.floor(available) })
      return HttpResponse.json(
        { ...graphqlError("Throttled", "THROTTLED", { documentation: "https://shopify.dev/api/usage/rate-limits" }), extensions: { cost: cost(parsed.requestedCost, null) } },
        { status: options.throttledStatus ?? 200 }
      )
    }
    const page = runCustomers(dataset, parsed)
    if ("error" in page) return HttpResponse.json(graphqlError(page.error, page.code))
    const actual = 2 + page.nodes.length * parsed.nodeCost
    // The requested cost was reserved and the difference to the actual one refunded: the
    // bucket keeps the actual cost.
    available -= actual
    return faults.json({
      data: { customers: { pageInfo: page.pageInfo, nodes: page.nodes } },
      extensions: { cost: cost(parsed.requestedCost, actual) }
    })
  })

  return {
    handlers: [
      tokenEndpoint,
      http.get("*/admin/oauth/authorize", ({ request }) => consent.page(request)),
      http.post("*/admin/oauth/authorize", ({ request }) => consent.decide(request)),
      graphql
    ],
    consent,
    faults,
    dataset,
    events,
    grant,
    authorizationCode: () => {
      const code = `code_${++issued}`
      codes.add(code)
      return code
    },
    setAvailable: (points) => {
      available = points
      filledAt = now()
    },
    customers: function*() {
      for (const index of dataset.ordered()) yield dataset.customer(index)
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The operation: just enough GraphQL to check what the connector sends
// ---------------------------------------------------------------------------------------------

interface Comparison {
  readonly op: ">" | ">=" | "<" | "<="
  readonly at: number
}

interface CustomersOperation {
  readonly first: number
  readonly after: string | null
  readonly filter: string
  readonly comparisons: ReadonlyArray<Comparison>
  readonly nodeCost: number
  readonly requestedCost: number
}

type Rejection = { readonly error: string; readonly code: string }

/** Object-typed fields a customer node may select: each costs a point per node. */
const objectFields = ["defaultEmailAddress", "defaultPhoneNumber", "defaultAddress", "amountSpent", "emailMarketingConsent", "smsMarketingConsent"]

const parseOperation = (query: unknown, variables: Record<string, unknown>): CustomersOperation | Rejection => {
  if (typeof query !== "string") return { error: "No query string was present", code: "badRequest" }
  const root = /^\s*query\b[^{]*\{\s*(\w+)\s*(?:\(([^)]*)\))?/.exec(query)
  if (root === null) return { error: "The fake shop serves only query operations", code: "badRequest" }
  if (root[1] !== "customers") {
    return { error: `Field '${root[1]}' doesn't exist on type 'QueryRoot' (the fake shop serves only customers)`, code: "undefinedField" }
  }
  const args: Record<string, unknown> = {}
  for (const part of (root[2] ?? "").split(",")) {
    const match = /^\s*(\w+)\s*:\s*(.+?)\s*$/.exec(part)
    if (match === null) continue
    const raw = match[2]!
    args[match[1]!] = raw.startsWith("$") ? variables[raw.slice(1)] : raw.startsWith('"') ? JSON.parse(raw) : /^\d+$/.test(raw) ? Number(raw) : raw
  }
  const first = args["first"]
  if (typeof first !== "number" || !Number.isInteger(first) || first < 1) {
    return { error: "customers needs `first` (the fake shop does not serve `last`)", code: "argumentLiteralsIncompatible" }
  }
  if (first > 250) return { error: "first cannot exceed 250", code: "argumentLiteralsIncompatible" }
  if (args["sortKey"] !== "UPDATED_AT") return { error: `the fake shop sorts only by UPDATED_AT, not ${String(args["sortKey"])}`, code: "argumentLiteralsIncompatible" }
  if (args["reverse"] !== undefined && args["reverse"] !== "false" && args["reverse"] !== false) {
    return { error: "the fake shop does not serve reverse: true", code: "argumentLiteralsIncompatible" }
  }
  const filter = typeof args["query"] === "string" ? args["query"] : ""
  const comparisons = parseFilter(filter)
  if ("error" in comparisons) return comparisons
  const after = typeof args["after"] === "string" ? args["after"] : null
  const nodes = query.slice(query.indexOf("nodes"))
  const nested = [...nodes.matchAll(/addressesV2\s*\(\s*first\s*:\s*(\d+)/g)].reduce((sum, m) => sum + 2 + Number(m[1]), 0)
  const nodeCost = 1 + objectFields.filter((field) => new RegExp(`\\b${field}\\b`).test(nodes)).length + nested
  return { first, after, filter, comparisons, nodeCost, requestedCost: 2 + first * nodeCost }
}

/** `updated_at:>='2026-09-01T00:00:00Z' AND updated_at:<"…"`: the part of the search syntax the connector uses. */
const parseFilter = (filter: string): ReadonlyArray<Comparison> | Rejection => {
  const comparisons: Array<Comparison> = []
  for (const term of filter.split(/\s+AND\s+/).map((t) => t.trim()).filter((t) => t !== "")) {
    const match = /^updated_at:(>=|<=|>|<)(['"])(.+)\2$/.exec(term)
    if (match === null) return { error: `the fake shop does not understand the search term ${JSON.stringify(term)}`, code: "invalidSearchQuery" }
    // Unzoned values are interpreted in an unconfirmed way (README.md §4): reject them.
    if (!/(Z|[+-]\d\d:\d\d)$/.test(match[3]!)) return { error: `the fake shop wants a zoned time, not ${match[3]}`, code: "invalidSearchQuery" }
    const at = Date.parse(match[3]!)
    if (Number.isNaN(at)) return { error: `not a time: ${match[3]}`, code: "invalidSearchQuery" }
    comparisons.push({ op: match[1] as Comparison["op"], at })
  }
  return comparisons
}

const encodeCursor = (key: Key, filter: string) => Buffer.from(JSON.stringify([key.updatedAt, key.index, filter])).toString("base64url")

const decodeCursor = (cursor: string, filter: string): Key | undefined => {
  try {
    const [updatedAt, index, boundTo] = JSON.parse(Buffer.from(cursor, "base64url").toString())
    return typeof updatedAt === "number" && typeof index === "number" && boundTo === filter ? { updatedAt, index } : undefined
  } catch {
    return undefined
  }
}

const holds = (comparison: Comparison, at: number) => {
  switch (comparison.op) {
    case ">":
      return at > comparison.at
    case ">=":
      return at >= comparison.at
    case "<":
      return at < comparison.at
    case "<=":
      return at <= comparison.at
  }
}

interface CustomersPage {
  readonly nodes: ReadonlyArray<CustomerNode>
  readonly pageInfo: { readonly hasNextPage: boolean; readonly endCursor: string | null }
}

const runCustomers = (dataset: Dataset, operation: CustomersOperation): CustomersPage | Rejection => {
  let start: Key | undefined
  if (operation.after !== null) {
    start = decodeCursor(operation.after, operation.filter)
    if (start === undefined) return { error: "Invalid cursor for the current query", code: "argumentLiteralsIncompatible" }
  }
  // Jump to the lower bound instead of scanning up to it (a million customers).
  for (const c of operation.comparisons) {
    const bound: Key | undefined = c.op === ">" ? { updatedAt: c.at, index: Number.MAX_SAFE_INTEGER } : c.op === ">=" ? { updatedAt: c.at, index: -1 } : undefined
    if (bound !== undefined && (start === undefined || compareKeys(bound, start) > 0)) start = bound
  }
  const nodes: Array<CustomerNode> = []
  let hasNextPage = false
  let lastKey: Key | undefined
  for (const index of dataset.ordered(start)) {
    const key = dataset.keyOf(index)
    if (!operation.comparisons.every((c) => holds(c, key.updatedAt))) {
      // Sorted ascending: once an upper bound fails, every later customer fails it too.
      if (operation.comparisons.some((c) => (c.op === "<" || c.op === "<=") && !holds(c, key.updatedAt))) break
      continue
    }
    if (nodes.length === operation.first) {
      hasNextPage = true
      break
    }
    nodes.push(dataset.customer(index))
    lastKey = key
  }
  return {
    nodes,
    pageInfo: { hasNextPage, endCursor: lastKey === undefined ? null : encodeCursor(lastKey, operation.filter) }
  }
}
