/**
 * The connectors under test, each through its fake's `AcceptanceFake` controls (the kit's
 * contract every connector fake implements) plus, where the fake offers more, richer edits and
 * the latest source values to compare field by field.
 */
import googleContacts from "@autoimport/connector-google-contacts"
import { acceptanceFake as googleAcceptance, type GoogleFake, makeGoogleFake } from "@autoimport/connector-google-contacts/fake"
import type { AcceptanceFake, Faults } from "@autoimport/connector-kit/testing"
import hubspot from "@autoimport/connector-hubspot"
import { acceptanceFake as hubspotAcceptance, makeHubSpotFake } from "@autoimport/connector-hubspot/fake"
import shopify from "@autoimport/connector-shopify"
import { acceptanceFake as shopifyAcceptance, makeShopifyFake } from "@autoimport/connector-shopify/fake"
import type { AnyConnector } from "@autoimport/core/Connector"

/** One source record as the service holds it now. */
export interface SourceRecord {
  readonly externalId: string
  /** As the user typed it (may be invalid, padded, odd case) or null. */
  readonly email: string | null
  /** The values a contact must carry after a sync, where the fake can tell them. */
  readonly values?: {
    readonly firstName: string | null
    readonly lastName: string | null
    readonly phone: string | null
    /** By the connector's field key; null: no value. */
    readonly fields: Readonly<Record<string, string | null>>
  }
}

/** What a scenario may do to the source between syncs. */
export type Mutation =
  | "add"
  | "add-same-time"
  /** A value other than the email changes. */
  | "edit"
  /** Every value may change, the email included (to a new, an invalid or no address). */
  | "edit-everything"
  /** A new record whose email is an existing one in other case and with spaces. */
  | "add-duplicate"
  | "add-invalid"
  | "add-missing"
  | "remove"
  /** The service gives the record a new id (Google links a contact to a profile). */
  | "rekey"

export interface DatasetShape {
  readonly seed: number
  readonly size: number
  readonly missingEmailRatio: number
  readonly invalidEmailRatio: number
  readonly duplicateEmailRatio: number
  /** Consecutive records with one modification time. */
  readonly sameTimeRun: number
}

export interface Source {
  readonly handlers: AcceptanceFake["handlers"]
  readonly faults: Faults
  /** Encoded connector settings for the fake served at `url`, with this page size. */
  readonly settings: (url: string, pageSize: number) => unknown
  readonly config: () => unknown
  readonly records: () => ReadonlyArray<SourceRecord>
  /** Applies a mutation to the `pick`-th eligible record (modulo their number). */
  readonly mutate: (mutation: Mutation, pick: number) => void
}

export interface Subject {
  readonly name: string
  readonly connector: AnyConnector
  /** The largest page size its settings accept. */
  readonly maxPageSize: number
  /** The mutations its fake supports. */
  readonly mutations: ReadonlyArray<Mutation>
  readonly make: (shape: DatasetShape) => Source
}

/** The mutations every connector fake offers, through its `AcceptanceFake`; false when not one of them. */
const acceptanceMutate = (fake: AcceptanceFake) => (mutation: Mutation): boolean => {
  switch (mutation) {
    case "add":
      return fake.add(1).length > 0
    case "add-same-time":
      return fake.add(2, { sameTimestamp: true }).length > 0
    case "edit":
      return fake.edit(1).length > 0
    case "remove":
      return fake.remove(1).length > 0
    default:
      return false
  }
}

/** A connector fake known only through its `AcceptanceFake`: emails, no values; generic mutations. */
const acceptanceSource = (fake: AcceptanceFake): Source => {
  const mutate = acceptanceMutate(fake)
  // Read once: a fake may issue a new grant on every call (Shopify installs the app anew).
  const config = fake.config()
  return {
    handlers: fake.handlers,
    faults: fake.faults,
    config: () => config,
    settings: (url, pageSize) => ({ ...(fake.settings(url) as object), pageSize }),
    records: () => fake.records(),
    mutate: (mutation) => void mutate(mutation)
  }
}

const genericMutations: ReadonlyArray<Mutation> = ["add", "add-same-time", "edit", "remove"]

export const hubSpot: Subject = {
  name: "HubSpot",
  connector: hubspot,
  maxPageSize: 200,
  mutations: genericMutations,
  make: (shape) =>
    acceptanceSource(hubspotAcceptance(makeHubSpotFake({
      seed: shape.seed,
      size: shape.size,
      missingEmailRatio: shape.missingEmailRatio,
      invalidEmailRatio: shape.invalidEmailRatio,
      duplicateEmailRatio: shape.duplicateEmailRatio,
      sameTimestamp: Math.min(shape.size, shape.sameTimeRun * 3)
    })))
}

export const shopifySubject: Subject = {
  name: "Shopify",
  connector: shopify,
  maxPageSize: 250,
  mutations: genericMutations,
  make: (shape) =>
    acceptanceSource(shopifyAcceptance(makeShopifyFake({
      seed: shape.seed,
      size: shape.size,
      sameTimestampRun: shape.sameTimeRun,
      // The limiter's cost bucket is not under test here (the connector's own tests cover it).
      bucket: { maximumAvailable: 1_000_000, restoreRate: 100_000 }
    })))
}

/** The Google fake's live people (in a contact group, if given) as source records with their values. */
export const googleRecords = (fake: GoogleFake, criteria: { readonly contactGroup?: string } = {}): ReadonlyArray<SourceRecord> =>
  [...fake.expected(criteria)].map((r) => ({
    externalId: r.externalId,
    email: r.email,
    values: { firstName: r.firstName ?? null, lastName: r.lastName ?? null, phone: r.phone ?? null, fields: r.fields }
  }))

/** A served Google fake as a {@link Source} (also for the process suites, which make their own fake). */
export const googleSource = (fake: GoogleFake): Source => {
  const acceptance = googleAcceptance(fake)
  const generic = acceptanceMutate(acceptance)
  let added = 0
  return {
    handlers: fake.handlers,
    faults: fake.faults,
    config: acceptance.config,
    settings: (url, pageSize) => ({ ...fake.settings(url), pageSize, requestsPerMinute: 60_000 }),
    records: () => googleRecords(fake),
    mutate: (mutation, pick) => {
      const people = [...fake.dataset.people()]
      const person = people.length === 0 ? undefined : people[pick % people.length]!
      switch (mutation) {
        case "edit-everything":
          if (person) fake.dataset.edit(person.resourceName)
          return
        case "add-duplicate":
          if (person?.email) fake.dataset.add({ email: `  ${person.email.toUpperCase()} ` })
          return
        case "add-invalid":
          fake.dataset.add({ email: `invalid ${++added}@@example.com` })
          return
        case "add-missing":
          fake.dataset.add({ email: null })
          return
        case "rekey":
          if (person) fake.dataset.rekey(person.resourceName)
          return
        case "remove":
          if (person) fake.dataset.remove(person.resourceName)
          return
        default:
          generic(mutation)
      }
    }
  }
}

/** The client secret, the refresh token and every access token the fake issued: none may leak. */
export const googleSecrets = (fake: GoogleFake): ReadonlyArray<string> => {
  const config = googleAcceptance(fake).config() as Record<string, string>
  // Access tokens are `ya29.fake-<seed>-<n>`, at most one per token request so far.
  const seed = /^fake-secret-(\d+)$/.exec(config["clientSecret"]!)?.[1]
  const issued = Array.from({ length: fake.counts.token }, (_, i) => `ya29.fake-${seed}-${i + 1}`)
  return [config["clientSecret"]!, config["refreshToken"]!, ...issued]
}

export const google: Subject = {
  name: "Google Contacts",
  connector: googleContacts,
  maxPageSize: 1000,
  mutations: ["add", "add-same-time", "edit", "edit-everything", "add-duplicate", "add-invalid", "add-missing", "remove", "rekey"],
  make: (shape) =>
    googleSource(makeGoogleFake({
      seed: shape.seed,
      size: shape.size,
      missingEmailRatio: shape.missingEmailRatio,
      invalidEmailRatio: shape.invalidEmailRatio,
      duplicateEmailRatio: shape.duplicateEmailRatio,
      sameUpdateTimeRun: shape.sameTimeRun
    }))
}

export const subjects: ReadonlyArray<Subject> = [google, hubSpot, shopifySubject]
