/**
 * `@autoimport/connector-shopify/fake`: a fake Shopify shop for tests, the acceptance suite,
 * demos and benchmarks.
 */
export { type CustomerNode, Dataset, type DatasetOptions, ID_BASE } from "./Dataset.js"
export { clientId, clientSecret, makeShopifyFake, type ShopEvent, type ShopifyFake, type ShopifyFakeOptions } from "./Shop.js"
export { acceptanceFake, makeAcceptanceShop } from "./Acceptance.js"
