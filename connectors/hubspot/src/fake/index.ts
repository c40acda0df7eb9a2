/**
 * `@autoimport/connector-hubspot/fake`: a faithful fake of HubSpot's contacts search and token
 * endpoints for tests, the acceptance suite, the demo sandbox and benchmarks.
 */
import { sandboxOf } from "@autoimport/connector-kit/testing"
import { acceptanceFake } from "./Acceptance.js"
import { makeHubSpotFake } from "./HubSpotFake.js"
export { acceptanceFake } from "./Acceptance.js"
export { Dataset, type DatasetOptions, type EmailKind, type FakeContact, lifecycleStages } from "./Dataset.js"
export { type HubSpotFake, type HubSpotFakeOptions, makeHubSpotFake } from "./HubSpotFake.js"
export { defaultProperties, parseSearch, type ParsedSearch, search, SearchRejected } from "./Search.js"

/** The demo's sandbox (`autoimport demo`): 900 contacts. */
export const sandbox = sandboxOf(() => acceptanceFake(makeHubSpotFake({ seed: 2026, size: 900 })), { pageSize: 100 })
