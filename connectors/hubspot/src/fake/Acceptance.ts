/**
 * The fake seen through the kit's `AcceptanceFake` contract, for `runAcceptanceSuite`.
 */
import type { AcceptanceFake } from "@autoimport/connector-kit/testing"
import type { FakeContact } from "./Dataset.js"
import type { HubSpotFake } from "./HubSpotFake.js"

/** The criteria of the acceptance import: about a third of the portal. */
const stages = ["lead", "customer", "subscriber"]

export const acceptanceFake = (fake: HubSpotFake): AcceptanceFake => {
  // Which contacts a mutation picks: seeded, so every run picks the same ones.
  let picks = 0
  const pick = (count: number, eligible: (contact: FakeContact) => boolean): ReadonlyArray<number> => {
    const candidates = fake.contacts(stages).filter(eligible).map((c) => c.index)
    const chosen: Array<number> = []
    for (let k = 0; k < count && candidates.length > 0; k++) {
      chosen.push(candidates.splice((picks++ * 7919) % candidates.length, 1)[0]!)
    }
    return chosen
  }
  /**
   * An edit must show up as exactly one update: a valid email that no other contact shares
   * (the next contact may be a case/space duplicate of this one).
   */
  const editable = (contact: FakeContact) =>
    contact.emailKind === "valid" && fake.dataset.contact(contact.index + 1)?.emailKind !== "duplicate"
  return {
    handlers: fake.handlers,
    faults: fake.faults,
    // The fake indexes at once, so the connector needs no index-lag window (which would also
    // follow the test clock, not the fake's).
    settings: (url) => ({ baseUrl: url, ...fake.oauthSettings(url), indexLagSeconds: 0, pageSize: 20 }),
    config: () => ({
      credentials: { _tag: "oauth", clientId: fake.clientId, clientSecret: fake.clientSecret, refreshToken: fake.refreshToken },
      portalId: fake.portalId,
      lifecycleStages: stages
    }),
    records: () => fake.contacts(stages).map((c) => ({ externalId: c.id, email: c.properties["email"] ?? null })),
    add: (count, options) => fake.dataset.add(count, stages[0]!, options?.sameTimestamp ?? false).map((c) => c.id),
    edit: (count) => fake.dataset.edit(pick(count, editable)).map((c) => c.id),
    remove: (count) => fake.dataset.archive(pick(count, () => true)).map((c) => c.id),
    deletions: "not-reported",
    futureCursor: () => ({ since: fake.dataset.now + 86_400_000, afterId: null })
  }
}


