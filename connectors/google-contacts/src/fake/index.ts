/**
 * `@autoimport/connector-google-contacts/fake`: a stateful, seeded fake of the People API and
 * Google's token endpoint, for tests, the demo sandbox and benchmarks. See {@link makeGoogleFake}.
 */
import { sandboxOf } from "@autoimport/connector-kit/testing"
import { acceptanceFake } from "./Acceptance.js"
import { makeGoogleFake } from "./GoogleFake.js"
export { type Birthday, Dataset, type DatasetOptions, type FakePerson, type PersonData } from "./Dataset.js"
export { acceptanceFake } from "./Acceptance.js"
export { expectedRecord, type GoogleFake, type GoogleFakeCredentials, type GoogleFakeOptions, makeGoogleFake } from "./GoogleFake.js"

/** The demo's sandbox (`autoimport demo`): 1,200 people, some with invalid emails. */
export const sandbox = sandboxOf(
  () => acceptanceFake(makeGoogleFake({ seed: 2026, size: 1_200, invalidEmailRatio: 0.04 })),
  { pageSize: 100, requestsPerMinute: 600 }
)
