/**
 * The fake-service toolkit for connector tests: serve MSW handlers on a real port, switch
 * faults on and off, and seed deterministic datasets.
 *
 * Everything here loads outside a test runner too (fakes use it in the demo sandbox and the
 * benchmarks). The acceptance suite needs vitest, so it has its own entry point,
 * `@autoimport/connector-kit/testing/Acceptance`; only its types are re-exported here.
 */
export * from "./Server.js"
export { type FaultsOptions, Faults, type Malformation } from "./Faults.js"
export * as Prng from "./Prng.js"
export type { AcceptanceFake, AcceptanceOptions, AcceptanceRecord, Dialect } from "./Acceptance.js"
export { driveClock } from "./Clock.js"
export { clientCredentials, type Consent, type ConsentOptions, makeConsent, pressConsent, type Redeemed, type RedeemResult } from "./Consent.js"
export { isSandbox, type RunningSandbox, type Sandbox, sandboxOf } from "./Sandbox.js"
