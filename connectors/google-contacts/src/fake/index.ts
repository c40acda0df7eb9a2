/**
 * `@autoimport/connector-google-contacts/fake`: a stateful, seeded fake of the People API and
 * Google's token endpoint, for tests, the demo sandbox and benchmarks. See {@link makeGoogleFake}.
 */
export { type Birthday, Dataset, type DatasetOptions, type FakePerson, type PersonData } from "./Dataset.js"
export { acceptanceFake } from "./Acceptance.js"
export { expectedRecord, type GoogleFake, type GoogleFakeCredentials, type GoogleFakeOptions, makeGoogleFake } from "./GoogleFake.js"
