/**
 * Helpers for connector authors. See README.md for how they fit together.
 */
export * as Authorize from "./Authorize.js"
export * as Http from "./Http.js"
export * as OAuth2 from "./OAuth2.js"
export * as Paging from "./Paging.js"
export * as PendingAuthorizations from "./PendingAuthorizations.js"
export * as Pkce from "./Pkce.js"
