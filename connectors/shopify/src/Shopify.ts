/**
 * The Shopify connector: a store's customers through the Admin GraphQL `customers` query,
 * incrementally by `updatedAt` (api-notes/shopify.md).
 */
import { Paging } from "@autoimport/connector-kit"
import { defineConnector, type PullRequest } from "@autoimport/core/Connector"
import type { SourceRecord } from "@autoimport/core/Domain"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Order from "effect/Order"
import * as Stream from "effect/Stream"
import * as Api from "./internal/api.js"
import { fields, matches, order, origin, positionOf, toSourceContact } from "./internal/mapping.js"
import { updatedSince } from "./internal/query.js"
import { Config, Cursor, type Customer, Settings } from "./Schemas.js"

export const accountKey = (config: Config): string => `shopify:${config.shop}`

/** Where the next page starts: Shopify's page cursor within this pull, and the last position before it. */
interface Position {
  readonly after: string | null
  readonly last: Cursor
}

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
      start: { after: null, last: since } satisfies Position,
      offset: 0,
      budget: request.budget,
      fetch: (position: Position) =>
        Effect.flatMap(api.customers({ after: position.after, query }), (page) => {
          const items = page.nodes.filter((customer) => Order.greaterThan(order)(positionOf(customer), since))
          const last = items.length === 0 ? position.last : positionOf(items[items.length - 1]!)
          const next: Option.Option<Position> = page.hasNextPage && page.endCursor !== null
            ? Option.some({ after: page.endCursor, last })
            : Option.none()
          return Effect.as(ascending(position.last, items), { items, cursor: last, next })
        }),
      select: (customer: Customer) => select(customer) ? Option.some<SourceRecord>(toSourceContact(customer)) : Option.none(),
      inside: (position: Position, offset: number, items: ReadonlyArray<Customer>) => offset === 0 ? position.last : positionOf(items[offset - 1]!)
    })
  }))

/**
 * Positions commit as (updatedAt, id), which is only sound if Shopify orders customers of the
 * same second by id. The notes call that "probably" (unconfirmed), so it is checked on every
 * page: served out of order, a committed position could skip customers for good, and a run
 * that stops loudly is better than one that loses contacts silently.
 */
const ascending = (last: Cursor, items: ReadonlyArray<Customer>): Effect.Effect<void> => {
  let previous = last
  for (const customer of items) {
    const current = positionOf(customer)
    if (!Order.greaterThan(order)(current, previous)) {
      return Effect.die(
        new Error(`Shopify served customer ${customer.id} (updated ${current.updatedAt.toJSON()}) after id ${previous.id}: not in (updatedAt, id) order`)
      )
    }
    previous = current
  }
  return Effect.void
}

export const connector = defineConnector({
  id: "shopify",
  name: "Shopify",
  version: "0.1.0",
  settings: Settings,
  config: Config,
  cursor: Cursor,
  fields,
  deletions:
    "Not reported: Shopify's customers query has no tombstones (deleted customers just disappear), so contacts " +
    "imported from a customer deleted in Shopify stay as they are.",
  accountKey,
  pull
})
