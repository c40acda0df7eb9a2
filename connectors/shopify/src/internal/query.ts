/**
 * The one GraphQL operation the connector sends (README.md §1), its search filter and its cost.
 */
import * as DateTime from "effect/DateTime"

/**
 * The recommended query of README.md §1 without `addressesV2` (a nested connection of 10 per customer
 * would multiply the cost by ~3; `defaultAddress` is all the fields need) and without fields
 * nothing maps.
 */
export const customersQuery = `query Customers($first: Int!, $after: String, $query: String) {
  customers(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId firstName lastName
      defaultEmailAddress { emailAddress marketingState }
      defaultPhoneNumber { phoneNumber }
      defaultAddress { address1 address2 city province country zip company phone }
      tags numberOfOrders amountSpent { amount currencyCode }
      updatedAt
    }
  }
}`

/**
 * Shopify's calculated cost of {@link customersQuery}: a connection is 2 plus `first` times its
 * node, and a node is 1 plus one per object field (email, phone, address, money). 200 per
 * page gives 1002, the figure of test/fixtures/graphql-max-cost-exceeded.json. Used only
 * until the first answer reports the real `requestedQueryCost`.
 */
export const estimatedCost = (first: number): number => 2 + first * 5

/**
 * `updated_at:>='<second>'`: inclusive, because customers updated in the cursor's second may not
 * all have been delivered; those that were are skipped by (updatedAt, id). The value is
 * truncated to the second and quoted with an explicit `Z` (unzoned values are interpreted in
 * an unconfirmed way). Shopify may match only to the day (a 2022 report, unconfirmed for
 * GraphQL): that returns more customers, never fewer, and they are skipped the same way.
 */
export const updatedSince = (since: DateTime.Utc): string => {
  const second = DateTime.formatIso(DateTime.startOf(since, "second")).replace(/\.000Z$/, "Z")
  return `updated_at:>='${second}'`
}
