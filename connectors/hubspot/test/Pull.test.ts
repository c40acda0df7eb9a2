import { layerPull, serveFake } from "@autoimport/connector-kit/testing"
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as TestClock from "effect/TestClock"
import { makeHubSpotFake } from "../src/fake/index.js"
import type { Cursor } from "../src/index.js"
import { contacts, ids, oauthConfig, pull, settingsFor, sorted } from "./helpers.js"

const serve = (options: Parameters<typeof makeHubSpotFake>[0]) =>
  Effect.gen(function*() {
    const fake = makeHubSpotFake(options)
    const { url } = yield* serveFake(fake.handlers)
    return { fake, url, settings: settingsFor(url), config: oauthConfig(fake) }
  })

/** Pulls with `budget` from `cursor` until a pull delivers less than its budget (caught up). */
const pullInBatches = (options: Parameters<typeof pull>[0] & { readonly budget: number }) =>
  Effect.gen(function*() {
    const delivered: Array<string> = []
    let cursor: Cursor | undefined = options.cursor
    for (let batch = 0; batch < 1000; batch++) {
      const result = yield* pull({ ...options, cursor })
      assert.isAtMost(result.records.length, options.budget, "a pull never exceeds its budget")
      delivered.push(...ids(result.records))
      cursor = result.cursor
      if (result.records.length < options.budget) return { delivered, cursor, batches: batch + 1 }
    }
    throw new Error("no end after 1000 batches: the cursor loops")
  })

const dupes = (values: ReadonlyArray<string>) => values.filter((v, i) => values.indexOf(v) !== i)

layer(layerPull)("HubSpot pull", (it) => {
  it.scoped("a full pull delivers every contact once, as the portal holds it", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 1, size: 250 })
      const { records } = yield* pull({ settings, config })
      assert.deepStrictEqual(dupes(ids(records)), [])
      const expected = fake.contacts()
      assert.deepStrictEqual(sorted(ids(records)), sorted(expected.map((c) => c.id)))
      const byId = new Map(contacts(records).map((r) => [r.externalId as string, r]))
      for (const contact of expected) {
        const record = byId.get(contact.id)!
        assert.strictEqual(record.email, contact.properties["email"] ?? null, `email of ${contact.id}`)
        assert.strictEqual(record.fields["job_title"], contact.properties["jobtitle"] ?? null)
        assert.strictEqual(record.fields["lifecycle_stage"], contact.properties["lifecyclestage"] ?? null)
      }
      // The dataset holds what the engine must cope with.
      const kinds = new Set(expected.map((c) => c.emailKind))
      assert.deepStrictEqual([...kinds].sort(), ["duplicate", "invalid", "missing", "valid"])
      assert.strictEqual(fake.capRejections, 0)
    }))

  it.scoped("budget cuts resume where they stopped: every contact exactly once", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 2, size: 180 })
      const { batches, delivered } = yield* pullInBatches({ settings, config, budget: 17 })
      assert.deepStrictEqual(dupes(delivered), [])
      assert.deepStrictEqual(sorted(delivered), sorted(fake.contacts().map((c) => c.id)))
      assert.strictEqual(batches, Math.floor(180 / 17) + 1)
    }))

  it.scoped("equal timestamps across page and batch boundaries are neither lost nor repeated", () =>
    Effect.gen(function*() {
      // 45 contacts share one instant: more than a page (20), cut by batches of 7.
      const { config, fake, settings } = yield* serve({ seed: 3, size: 120, sameTimestamp: 45, contactsPerSecond: 6 })
      const same = fake.contacts().filter((c) => c.updatedAt === fake.contacts()[0]!.updatedAt)
      assert.strictEqual(same.length, 45)
      const { delivered } = yield* pullInBatches({ settings, config, budget: 7 })
      assert.deepStrictEqual(dupes(delivered), [])
      assert.deepStrictEqual(sorted(delivered), sorted(fake.contacts().map((c) => c.id)))
    }))

  it.scoped("more contacts than the search result cap share one timestamp: read by id, the cap never hit", () =>
    Effect.gen(function*() {
      // Scaled down: a cap of 100 results instead of 10,000, with 250 equal timestamps.
      const { config, fake, settings } = yield* serve({ seed: 4, size: 600, sameTimestamp: 250, resultCap: 100 })
      const { records } = yield* pull({ settings: { ...settings, pageSize: 50 }, config })
      assert.deepStrictEqual(dupes(ids(records)), [])
      assert.deepStrictEqual(sorted(ids(records)), sorted(fake.contacts().map((c) => c.id)))
      assert.strictEqual(fake.capRejections, 0)
      const byId = fake.searches.filter((body: any) => body.sorts[0].propertyName === "hs_object_id")
      assert.isAtLeast(byId.length, 250 / 50, "the tied timestamp was read by id")
      assert.isTrue(fake.searches.every((body: any) => body.after === "0"), "every search restarts from the position")
    }))

  it.scoped("the window restarts from the position, so a portal larger than the cap is read whole", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 5, size: 700, resultCap: 100 })
      const { records } = yield* pull({ settings: { ...settings, pageSize: 40 }, config })
      assert.strictEqual(new Set(ids(records)).size, 700)
      assert.strictEqual(fake.capRejections, 0)
    }))

  it.scoped("incremental: after edits and additions only those come, then nothing", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 6, size: 150 })
      const first = yield* pull({ settings, config })
      const edited = fake.dataset.edit([3, 70, 71, 149]).map((c) => c.id)
      const added = fake.dataset.add(5, "lead", true).map((c) => c.id)
      const second = yield* pull({ settings, config, cursor: first.cursor })
      assert.deepStrictEqual(sorted(ids(second.records)), sorted([...edited, ...added]))
      const jobTitles = contacts(second.records).filter((r) => edited.includes(r.externalId)).map((r) => r.fields["job_title"])
      assert.isTrue(jobTitles.every((t) => t?.startsWith("Edited title")))
      const third = yield* pull({ settings, config, cursor: second.cursor })
      assert.deepStrictEqual(third.records, [])
      assert.deepStrictEqual(third.cursor, second.cursor)
    }))

  it.scoped("a cursor in the future yields nothing", () =>
    Effect.gen(function*() {
      const { config, fake, settings } = yield* serve({ seed: 7, size: 40 })
      const { records } = yield* pull({ settings, config, cursor: { since: fake.dataset.now + 86_400_000, afterId: null } })
      assert.deepStrictEqual(records, [])
    }))

  it.scoped("criteria: only contacts in the chosen lifecycle stages, filtered by HubSpot", () =>
    Effect.gen(function*() {
      const { fake, settings } = yield* serve({ seed: 8, size: 200 })
      const stages = ["lead", "customer"]
      const config = oauthConfig(fake, { lifecycleStages: stages })
      const { records } = yield* pull({ settings, config })
      const expected = fake.contacts(stages).map((c) => c.id)
      assert.isAbove(expected.length, 0)
      assert.isBelow(expected.length, 200)
      assert.deepStrictEqual(sorted(ids(records)), sorted(expected))
      const filters = (fake.searches[0] as any).filterGroups[0].filters
      assert.deepStrictEqual(filters.find((f: any) => f.propertyName === "lifecyclestage"), {
        propertyName: "lifecyclestage",
        operator: "IN",
        values: stages
      })
    }))

  it.scoped("requests stay within HubSpot's limits: one filter group of at most 3 filters, one sort", () =>
    Effect.gen(function*() {
      const { fake, settings } = yield* serve({ seed: 9, size: 300, sameTimestamp: 120 })
      yield* TestClock.setTime(fake.dataset.now + 120_000)
      const stages = ["lead", "subscriber"]
      const { records } = yield* pull({ settings: { ...settings, indexLagSeconds: 60 }, config: oauthConfig(fake, { lifecycleStages: stages }) })
      assert.strictEqual(records.length, fake.contacts(stages).length)
      const bodies = fake.searches as Array<any>
      for (const body of bodies) {
        assert.strictEqual(body.filterGroups.length, 1)
        assert.isAtMost(body.filterGroups[0].filters.length, 3)
        assert.strictEqual(body.sorts.length, 1)
      }
      // Both kinds of search were needed: the time window (with the index-lag bound) and by id.
      const operators = bodies.map((body) => body.filterGroups[0].filters.map((f: any) => f.operator).join(" "))
      assert.include(operators, "GTE LTE IN")
      assert.include(operators, "EQ GT IN")
    }))

  it.scoped("index lag: with a lag window, changes that reach the search index out of order are not skipped", () =>
    Effect.gen(function*() {
      // Each edit becomes searchable within 20 s, in a seeded order of its own.
      const run = (indexLagSeconds: number) =>
        Effect.gen(function*() {
          const { config, fake, url } = yield* serve({ seed: 10, size: 30, indexDelayMillis: 20_000 })
          const settings = settingsFor(url, { indexLagSeconds })
          const at = (millis: number) => {
            fake.advance(millis)
            return TestClock.setTime(fake.dataset.now)
          }
          yield* at(120_000)
          const first = yield* pull({ settings, config })
          assert.strictEqual(first.records.length, 30)
          const edited = fake.dataset.edit([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]).map((c) => c.id)
          yield* at(8_000)
          const early = yield* pull({ settings, config, cursor: first.cursor })
          yield* at(90_000)
          const late = yield* pull({ settings, config, cursor: early.cursor })
          return { edited, early: ids(early.records), delivered: new Set([...ids(early.records), ...ids(late.records)]) }
        })
      const trusting = yield* run(0)
      assert.isAbove(trusting.early.length, 0, "some edits were searchable early")
      assert.isTrue(trusting.edited.some((id) => !trusting.delivered.has(id)), "without a lag window an edit indexed late is skipped")
      const lagging = yield* run(60)
      assert.deepStrictEqual(lagging.early, [], "nothing newer than the lag window is read")
      assert.deepStrictEqual(sorted(lagging.delivered), sorted(lagging.edited))
    }))
})
