/**
 * Randomized (seeded, so reproducible) model test of R10 at the pull level: an importer that
 * applies every page it is given — contacts upserted by resource name, re-keys moved, deletions
 * dropped — must end up holding exactly the fake's people, whatever the batch sizes, page sizes
 * and changes (adds, edits, deletions, re-keys) made between and during syncs.
 */
import { layerPull, Prng, serveFake } from "@autoimport/connector-kit/testing"
import type { SourceContact } from "@autoimport/core/Domain"
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import { makeGoogleFake } from "../src/fake/index.js"
import type { Cursor } from "../src/index.js"
import { caughtUp, lastCursor, pullPages } from "./helpers.js"

const withoutPrevious = ({ previousExternalIds: _, ...rest }: SourceContact) => rest

layer(layerPull)("Google Contacts pull, model-checked", (it) => {
  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it.scoped(`seed ${seed}: random budgets, page sizes and changes converge to the dataset`, () =>
      Effect.gen(function*() {
        const random = Prng.make(seed)
        const fake = makeGoogleFake({ seed, size: 20 + random.int(60) })
        const { url } = yield* serveFake(fake.handlers)
        const pageSize = 3 + random.int(13)
        const held = new Map<string, SourceContact>()
        let cursor: Cursor | undefined

        const sync = (budget: number) =>
          Effect.gen(function*() {
            const pages = yield* pullPages(fake, url, { cursor, budget, pageSize })
            for (const page of pages) {
              for (const record of page.records) {
                if (record._tag === "SourceDeletion") {
                  held.delete(record.externalId)
                  continue
                }
                for (const previous of record.previousExternalIds ?? []) held.delete(previous)
                held.set(record.externalId, record)
              }
            }
            if (pages.length > 0) cursor = lastCursor(pages)
          })

        const mutate = () => {
          const live = [...fake.dataset.people()]
          for (let n = random.int(4); n > 0; n--) {
            const target = live.length > 0 ? random.pick(live).resourceName : undefined
            const roll = random.int(4)
            if (roll === 0 || target === undefined || fake.dataset.get(target)?.deleted !== false) fake.dataset.add()
            else if (roll === 1) fake.dataset.edit(target, random.chance(0.5) ? { notes: `n${random.int(1000)}` } : undefined)
            else if (roll === 2) fake.dataset.remove(target)
            else fake.dataset.rekey(target)
          }
        }

        for (let round = 0; round < 25; round++) {
          mutate()
          yield* sync(1 + random.int(40))
        }
        for (let settle = 0; settle < 100 && !(cursor !== undefined && caughtUp(cursor)); settle++) yield* sync(25)
        yield* sync(25) // caught up on a listing that began before the last changes: replay them

        const expected = [...fake.expected()].sort((a, b) => a.externalId.localeCompare(b.externalId))
        const got = [...held.values()].sort((a, b) => a.externalId.localeCompare(b.externalId))
        assert.deepStrictEqual(got.map(withoutPrevious), expected.map(withoutPrevious))
      }))
  }
})
