/**
 * `@autoimport/connector-shopify`: Shopify store customers (Admin GraphQL API). The fake service
 * is at `@autoimport/connector-shopify/fake`.
 */
import { connector } from "./Shopify.js"

export { accountKey, connector } from "./Shopify.js"
export * as Schemas from "./Schemas.js"
export default connector
