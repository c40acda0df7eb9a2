/**
 * `@autoimport/connector-shopify`: Shopify store customers (Admin GraphQL API). The default
 * export is the connector the runner loads; the fake shop is at
 * `@autoimport/connector-shopify/fake`.
 */
import { connector } from "./Shopify.js"

export { accountKey, connector, connector as Shopify } from "./Shopify.js"
export { API_VERSION, Config, Criteria, Cursor, MarketingState, Settings } from "./Schemas.js"
export * as Schemas from "./Schemas.js"
export default connector
