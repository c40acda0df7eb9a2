/**
 * `@autoimport/connector-hubspot/fake`: a faithful fake of HubSpot's contacts search and token
 * endpoints for tests, the acceptance suite, the demo sandbox and benchmarks.
 */
export { acceptanceFake } from "./Acceptance.js"
export { Dataset, type DatasetOptions, type EmailKind, type FakeContact, lifecycleStages } from "./Dataset.js"
export { type HubSpotFake, type HubSpotFakeOptions, makeHubSpotFake } from "./HubSpotFake.js"
export { defaultProperties, parseSearch, type ParsedSearch, search, SearchRejected } from "./Search.js"
