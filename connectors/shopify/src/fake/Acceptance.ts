/**
 * The fake shop as the kit's acceptance suite sees it (`AcceptanceFake`).
 */
import type { AcceptanceFake } from "@autoimport/connector-kit/testing"
import * as Shop from "./Shop.js"

/**
 * Wraps a shop for `runAcceptanceSuite`. The import's criteria are empty (every customer), so
 * `records()` is every live customer. The shop's bucket should be large (the suite measures
 * cursors, not throttling): see {@link makeAcceptanceShop}.
 */
export const acceptanceFake = (shop: Shop.ShopifyFake): AcceptanceFake => {
  let picks = 0
  const ids = (indexes: ReadonlyArray<number>) => indexes.map((index) => shop.dataset.externalId(index))
  return {
    handlers: shop.handlers,
    faults: shop.faults,
    // A bucket as large as the fake's: the limiter never waits longer than the fake asks.
    // The consent page and token endpoint default to the base URL's; the fake's app is registered.
    settings: (url) => ({
      baseUrl: url,
      pageSize: 50,
      costBucket: { maximumAvailable: 1_000_000, restoreRate: 100_000 },
      oauthClient: { clientId: Shop.clientId, clientSecret: Shop.clientSecret }
    }),
    // Every call is a new installation, so each import holds a refresh token of its own.
    config: () => ({
      shop: "acceptance-shop",
      credentials: { clientId: Shop.clientId, clientSecret: Shop.clientSecret, refreshToken: shop.grant() }
    }),
    records: () =>
      Array.from(shop.customers(), (customer) => ({ externalId: customer.id, email: customer.defaultEmailAddress?.emailAddress ?? null })),
    add: (count, options) => ids(shop.dataset.add(count, options)),
    edit: (count) => {
      // An edit must show as exactly one updated contact: not a customer skipped for its
      // email, nor one sharing its contact with another customer.
      const picked = shop.dataset.pick(count, picks++, (index) => shop.dataset.ownsEmail(index))
      shop.dataset.edit(picked)
      return ids(picked)
    },
    remove: (count) => {
      const picked = shop.dataset.pick(count, picks++)
      shop.dataset.remove(picked)
      return ids(picked)
    },
    deletions: "not-reported",
    futureCursor: () => ({ updatedAt: new Date(shop.dataset.now + 86_400_000).toISOString(), id: "0" })
  }
}

/** A seeded shop sized and bucketed for the acceptance suite. */
export const makeAcceptanceShop = (options: { readonly seed: number; readonly size: number }): Shop.ShopifyFake =>
  Shop.makeShopifyFake({ ...options, bucket: { maximumAvailable: 1_000_000, restoreRate: 100_000 } })
