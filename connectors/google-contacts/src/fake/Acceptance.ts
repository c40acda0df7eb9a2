/**
 * The fake seen through the kit's `AcceptanceFake` contract, for `runAcceptanceSuite`
 * (`@autoimport/connector-kit/testing/Acceptance`).
 */
import type { AcceptanceFake } from "@autoimport/connector-kit/testing"
import * as Email from "@autoimport/core/Email"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import type { FakePerson } from "./Dataset.js"
import type { GoogleFake } from "./GoogleFake.js"

/** Small pages, so page boundaries and cuts inside pages are exercised. */
const pageSize = 7

export const acceptanceFake = (fake: GoogleFake): AcceptanceFake => {
  let added = 0
  let edits = 0
  const normalized = (person: FakePerson) => {
    const email = person.email === null ? undefined : Email.normalize(person.email)
    return email !== undefined && Either.isRight(email) ? email.right : undefined
  }
  /** An edit must show up as exactly one update: a valid email no other person shares. */
  const editable = (): Array<FakePerson> => {
    const people = [...fake.dataset.people()]
    const owners = new Map<string, number>()
    for (const person of people) {
      const email = normalized(person)
      if (email !== undefined) owners.set(email, (owners.get(email) ?? 0) + 1)
    }
    return people.filter((person) => {
      const email = normalized(person)
      return email !== undefined && owners.get(email) === 1
    })
  }
  return {
    handlers: fake.handlers,
    faults: fake.faults,
    settings: (url) => ({ ...fake.settings(url), pageSize }),
    config: () => ({
      clientId: fake.credentials.clientId,
      clientSecret: Redacted.value(fake.credentials.clientSecret),
      refreshToken: fake.refreshToken()
    }),
    records: () => [...fake.expected()].map((record) => ({ externalId: record.externalId, email: record.email })),
    // Sync tokens, not timestamps, are Google's position: equal update times need nothing special.
    add: (count) =>
      Array.from({ length: count }, () => fake.dataset.add({ email: `added.${++added}@example.com` }).resourceName),
    edit: (count) =>
      editable().slice(0, count).map((person) => fake.dataset.edit(person.resourceName, { notes: `edited ${++edits}` }).resourceName),
    remove: (count) =>
      [...fake.dataset.people()].slice(0, count).map((person) => {
        fake.dataset.remove(person.resourceName)
        return person.resourceName
      }),
    deletions: "tombstones",
    futureCursor: () => ({ phase: "incremental", syncToken: fake.syncTokenNow(), pageSize })
  }
}
