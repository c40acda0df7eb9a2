/**
 * `@autoimport/connector-shopify/fake`: a fake Shopify shop for tests, the acceptance suite,
 * demos and benchmarks.
 */
import { sandboxOf } from "@autoimport/connector-kit/testing"
import { acceptanceFake } from "./Acceptance.js"
import { makeShopifyFake } from "./Shop.js"
export { type CustomerNode, Dataset, type DatasetOptions, ID_BASE } from "./Dataset.js"
export { clientId, clientSecret, makeShopifyFake, type ShopEvent, type ShopifyFake, type ShopifyFakeOptions } from "./Shop.js"
export { acceptanceFake, makeAcceptanceShop } from "./Acceptance.js"

/** The demo's sandbox (`autoimport demo`): 700 customers. */
export const sandbox = sandboxOf(() => acceptanceFake(makeShopifyFake({ seed: 2026, size: 700 })), { pageSize: 100 })
