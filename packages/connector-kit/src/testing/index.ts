/**
 * The fake-service toolkit for connector tests: serve MSW handlers on a real port, switch
 * faults on and off, and seed deterministic datasets.
 */
export * from "./Server.js"
export { type FaultsOptions, Faults, type Malformation } from "./Faults.js"
export * as Prng from "./Prng.js"
export * from "./Acceptance.js"
export { driveClock } from "./Clock.js"
