/**
 * The Shopify connector: a store's customers through the Admin GraphQL `customers` query,
 * incrementally by `updatedAt` (README.md, "API facts this connector relies on").
 */
import { Paging } from "@autoimport/connector-kit"
import type * as Authorization from "@autoimport/core/Authorization"
import { defineConnector, type PullRequest } from "@autoimport/core/Connector"
import type { SourceRecord } from "@autoimport/core/Domain"
import { MalformedResponse } from "@autoimport/core/Errors"
import * as Arr from "effect/Array"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Order from "effect/Order"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as Api from "./internal/api.js"
import { fields, matches, order, origin, positionOf, toSourceContact } from "./internal/mapping.js"
import { updatedSince } from "./internal/query.js"
import { Config, Cursor, type Customer, Settings, ShopHandle } from "./Schemas.js"

export const accountKey = (config: Config): string => `shopify:${config.shop}`

/** Where the next page starts. */
interface Position {
  /** Shopify's page cursor, valid within this pull only. */
  readonly after: string | null
  /** The position of the last customer handed on: the cursor when nothing more is. */
  readonly last: Cursor
  /** Customers of the previous page's last timestamp, held back until it is complete. */
  readonly held: ReadonlyArray<Customer>
}

const byPosition = Order.mapInput(order, positionOf)

const pull = (request: PullRequest<Settings, Config, Cursor>) =>
  Stream.unwrap(Effect.gen(function*() {
    const { config, settings } = request
    const api = yield* Api.make({ settings, config, key: accountKey(config), saveConfig: request.saveConfig })
    const since = Option.getOrElse(request.cursor, () => origin)
    // The first sync lists everything without a search filter (which may lag recent writes);
    // later ones ask for the cursor's second onwards and skip what they already delivered.
    const query = Option.isSome(request.cursor) ? updatedSince(since.updatedAt) : null
    const select = matches(config.criteria)
    return Paging.paginate({
      service: "Shopify",
      start: { after: null, last: since, held: [] } satisfies Position,
      // Shopify's page cursor names the page; `last` and `held` follow from what it answered.
      key: (position: Position) => position.after ?? "",
      offset: 0,
      budget: request.budget,
      fetch: (position: Position) =>
        Effect.flatMap(api.customers({ after: position.after, query }), (page) => {
          const fresh = page.nodes.filter((customer) => Order.greaterThan(order)(positionOf(customer), since))
          const more = page.hasNextPage && page.endCursor !== null
          // The page asked for pointing to itself: checked here, before the order check below
          // (a repeated page also looks out of order), so it reads as the loop it is.
          if (more && position.after !== null && page.endCursor === position.after) {
            return Effect.fail(new MalformedResponse({ service: "Shopify", detail: `the customers page after ${position.after} pointed to itself as the next page, which would loop forever` }))
          }
          // A position (updatedAt, id) must mean "every customer up to here". Shopify's order
          // among equal timestamps is unconfirmed, so customers are handed on in id order, and
          // those of a page's last timestamp wait until the next page shows it is complete.
          const all = Arr.sort([...position.held, ...fresh], byPosition)
          const lastAt = more ? page.nodes.at(-1)?.updatedAt : undefined
          const held = lastAt === undefined ? -1 : all.findIndex((customer) => DateTime.Equivalence(customer.updatedAt, lastAt))
          const items = held === -1 ? all : all.slice(0, held)
          const last = items.length === 0 ? position.last : positionOf(items[items.length - 1]!)
          const next: Option.Option<Position> = more
            ? Option.some({ after: page.endCursor, last, held: held === -1 ? [] : all.slice(held) })
            : Option.none()
          return Effect.as(ascending(position, fresh), { items, cursor: last, next })
        }),
      select: (customer: Customer) => select(customer) ? Option.some<SourceRecord>(toSourceContact(customer)) : Option.none(),
      inside: (position: Position, offset: number, items: ReadonlyArray<Customer>) => offset === 0 ? position.last : positionOf(items[offset - 1]!)
    })
  }))

/**
 * `sortKey: UPDATED_AT` is documented: timestamps never go back within a pull. If they did,
 * holding back a page's last timestamp would not make positions sound, and a run that stops
 * loudly is better than a cursor that skips customers for good.
 */
const ascending = (position: Position, fresh: ReadonlyArray<Customer>): Effect.Effect<void> => {
  let previous = position.held[0]?.updatedAt ?? position.last.updatedAt
  for (const customer of fresh) {
    if (DateTime.lessThan(customer.updatedAt, previous)) {
      return Effect.die(
        new Error(`Shopify served customer ${customer.id} (updated ${DateTime.formatIso(customer.updatedAt)}) after one updated ${DateTime.formatIso(previous)}: not in UPDATED_AT order`)
      )
    }
    previous = customer.updatedAt
  }
  return Effect.void
}

/**
 * How an import gets its credentials (README.md §2). OAuth happens per shop, so the user names
 * the shop first: it becomes the consent page's host, which is why it must be a plain handle.
 * `expiring=1` asks for an expiring offline token with a refresh token (required of public apps
 * by 2027). Custom and merchant-created apps instead have a non-expiring token the user types.
 */
export const authorization: ReadonlyArray<Authorization.Method<Settings>> = [
  {
    _tag: "OAuth2",
    id: "oauth",
    label: "Connect with Shopify",
    scopes: ["read_customers"],
    scopeSeparator: ",",
    tokenParams: { expiring: "1" },
    input: [{ key: "shop", label: "Shop", secret: false, description: "my-store or my-store.myshopify.com" }],
    fills: { "credentials.clientId": "clientId", "credentials.clientSecret": "clientSecret", "credentials.refreshToken": "refreshToken" },
    endpoints: (settings, input) =>
      Either.map(
        Either.mapLeft(Schema.decodeUnknownEither(ShopHandle)(input["shop"] ?? ""), () => "Shop: expected a shop handle such as my-store or my-store.myshopify.com"),
        (shop) => {
          const origin = settings.baseUrl.replaceAll("{shop}", shop)
          return {
            authorizeUrl: (settings.authorizeUrl ?? `${origin}/admin/oauth/authorize`).replaceAll("{shop}", shop),
            tokenUrl: (settings.tokenUrl ?? `${origin}/admin/oauth/access_token`).replaceAll("{shop}", shop)
          }
        }
      ),
    client: (settings) => Option.fromNullable(settings.oauthClient)
  },
  {
    _tag: "KeyForm",
    id: "access-token",
    label: "Custom app access token",
    fields: [
      { key: "shop", label: "Shop", secret: false, description: "my-store or my-store.myshopify.com" },
      { key: "credentials.accessToken", label: "Admin API access token", secret: true, description: "shpat_…, from the app's API credentials" }
    ]
  }
]

export const connector = defineConnector({
  id: "shopify",
  name: "Shopify",
  settings: Settings,
  config: Config,
  cursor: Cursor,
  fields,
  deletions:
    "Not reported: Shopify's customers query has no tombstones (deleted customers just disappear), so contacts " +
    "imported from a customer deleted in Shopify stay as they are.",
  accountKey,
  authorization,
  pull
})
