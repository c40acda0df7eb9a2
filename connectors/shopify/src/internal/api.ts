/**
 * The Admin GraphQL client of one pull: the expiring offline token (rotating refresh token),
 * the token in `X-Shopify-Access-Token`, and Shopify's calculated query cost as the rate
 * budget of the shop (README.md §2, §6).
 */
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Http, OAuth2 } from "@autoimport/connector-kit"
import { AuthRevoked, InvalidConfig, MalformedResponse, RateLimited, ServiceUnavailable } from "@autoimport/core/Errors"
import type { ConnectorError } from "@autoimport/core/Errors"
import type { RatePolicy } from "@autoimport/core/RateLimiter"
import { RateLimiter } from "@autoimport/core/RateLimiter"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { Config, type Customer, CustomersResponse, type GraphqlError, type QueryCost, type Settings } from "../Schemas.js"
import { customersQuery, estimatedCost } from "./query.js"

const service = "Shopify"

/** A THROTTLED answer, after the wait it asks for has been set on the shop's bucket. */
class Throttled extends Data.TaggedError("Throttled")<{ readonly waitMillis: number }> {}

/**
 * THROTTLED answers in a row before the run stops with `RateLimited`. Each one has already
 * waited for the bucket to refill, so more than a few means another app drains the same bucket.
 */
const maxThrottled = 5

export interface CustomersPage {
  readonly nodes: ReadonlyArray<Customer>
  readonly endCursor: string | null
  readonly hasNextPage: boolean
}

export interface Api {
  readonly customers: (variables: { readonly after: string | null; readonly query: string | null }) => Effect.Effect<CustomersPage, ConnectorError>
}

export const make = (options: {
  readonly settings: Settings
  readonly config: Config
  readonly key: string
  readonly saveConfig: (config: Config) => Effect.Effect<void>
}) =>
  Effect.gen(function*() {
    const { config, key, settings } = options
    const limiter = yield* RateLimiter
    const origin = settings.baseUrl.replaceAll("{shop}", config.shop)
    const { credentials } = config
    const auth: Http.Auth = "accessToken" in credentials
      // A non-expiring token has nothing to refresh: a 401 with it means it was revoked.
      ? { token: Effect.succeed(credentials.accessToken), invalidate: Effect.void }
      : yield* OAuth2.make({
        service,
        tokenUrl: (settings.tokenUrl ?? `${origin}/admin/oauth/access_token`).replaceAll("{shop}", config.shop),
        clientId: credentials.clientId,
        clientSecret: credentials.clientSecret,
        refreshToken: credentials.refreshToken,
        // Shopify rotates the refresh token on every refresh; the old one dies once the new one
        // is used, so the new one is stored before anything else happens.
        onRotate: (refreshToken) => options.saveConfig(new Config({ ...config, credentials: { ...credentials, refreshToken } }))
      })

    // The shop's bucket in query-cost points, shared by every import of the shop through the
    // limiter. Both numbers start from the settings and then follow what Shopify reports: the
    // limiter reads the policy on every request, so updating it in place is enough.
    const policy: { -readonly [K in keyof RatePolicy]: RatePolicy[K] } = {
      capacity: settings.costBucket.maximumAvailable,
      refillPerSecond: settings.costBucket.restoreRate
    }
    let cost = estimatedCost(settings.pageSize)
    const learn = (reported: QueryCost) => {
      cost = reported.requestedQueryCost
      policy.capacity = reported.throttleStatus.maximumAvailable
      policy.refillPerSecond = reported.throttleStatus.restoreRate
    }

    const client = yield* Http.make({
      service,
      baseUrl: `${origin}/admin/api/${settings.apiVersion}`,
      auth,
      authorize: (request, token) => HttpClientRequest.setHeader(request, "x-shopify-access-token", Redacted.value(token)),
      rateLimit: { key, policy, cost: () => cost },
      unexpectedStatus: ({ body, status }) =>
        status === 404
          ? new InvalidConfig({ where: "import config: shop", detail: `Shopify knows no shop "${config.shop}" (HTTP 404)` })
          : status === 402 || status === 423
          ? new ServiceUnavailable({ service, detail: `the shop is ${status === 402 ? "frozen (unpaid)" : "locked"}: ${body.slice(0, 200)}` })
          : undefined
    })

    /** How long until the bucket holds `needed` points again, as Shopify reports it. */
    const refillMillis = (reported: QueryCost, needed: number) =>
      Math.max(0, Math.ceil(((needed - reported.throttleStatus.currentlyAvailable) / reported.throttleStatus.restoreRate) * 1000))

    const failure = (error: GraphqlError, reported: QueryCost | undefined): Effect.Effect<never, ConnectorError | Throttled> => {
      switch (error.extensions?.code) {
        case "THROTTLED": {
          // Wait for the restore rate to refill what the query needs, not a blind backoff. The
          // fixture's answer always has the cost; without it, one restore second is the guess.
          const waitMillis = reported === undefined ? 1000 : refillMillis(reported, reported.requestedQueryCost)
          return Effect.zipRight(limiter.pause(key, waitMillis), Effect.fail(new Throttled({ waitMillis })))
        }
        case "MAX_COST_EXCEEDED":
          // Our query is too expensive for any bucket: a page size the operator must lower.
          return Effect.fail(
            new InvalidConfig({
              where: "Shopify connector settings: pageSize",
              detail: `a page of ${settings.pageSize} customers costs ${error.extensions.cost ?? "more than"} points, ` +
                `above Shopify's single-query limit of ${error.extensions.maxCost ?? 1000}; lower pageSize (about 5 points per customer)`
            })
          )
        case "ACCESS_DENIED":
          // Missing `read_customers` or protected customer data approval: the merchant must act.
          return Effect.fail(new AuthRevoked({ service, detail: error.message }))
        case "INTERNAL_SERVER_ERROR":
          return Effect.fail(new ServiceUnavailable({ service, detail: error.message }))
        default:
          // Any other error (undefinedField, argument errors) means our query is wrong: a bug.
          return Effect.die(new Error(`Shopify rejected the customers query (${error.extensions?.code ?? "no code"}): ${error.message}`))
      }
    }

    const attempt = (variables: { readonly after: string | null; readonly query: string | null }) =>
      Effect.gen(function*() {
        const request = HttpClientRequest.post("/graphql.json").pipe(
          HttpClientRequest.bodyUnsafeJson({ query: customersQuery, variables: { first: settings.pageSize, ...variables } })
        )
        const response = yield* client.json(request, CustomersResponse, "customers page")
        const reported = response.extensions?.cost
        if (reported !== undefined) learn(reported)
        const [error] = response.errors
        if (error !== undefined) return yield* failure(error, reported)
        const connection = response.data?.customers
        if (connection === null || connection === undefined) {
          return yield* new MalformedResponse({ service, detail: "customers page: neither data.customers nor errors" })
        }
        if (connection.pageInfo.hasNextPage && connection.pageInfo.endCursor === null) {
          return yield* new MalformedResponse({ service, detail: "customers page: hasNextPage without an endCursor" })
        }
        // Shopify says how full the bucket is; when the next page would not fit, wait here for
        // the refill instead of sending a query that comes back THROTTLED.
        if (reported !== undefined && reported.throttleStatus.currentlyAvailable < cost) {
          yield* limiter.pause(key, refillMillis(reported, cost))
        }
        return { nodes: connection.nodes, endCursor: connection.pageInfo.endCursor, hasNextPage: connection.pageInfo.hasNextPage }
      })

    const customers: Api["customers"] = (variables) =>
      attempt(variables).pipe(
        Effect.retry({ while: (e) => e._tag === "Throttled", times: maxThrottled }),
        Effect.catchTag("Throttled", (e) => Effect.fail(new RateLimited({ service, retryAfterMillis: e.waitMillis })))
      )
    return { customers } satisfies Api
  })
