import { assert, layer } from "@effect/vitest"
import * as DateTime from "effect/DateTime"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { Cursor } from "../src/Schemas.js"
import { contacts, ids, layerPull, pull, setup } from "./helpers.js"

const allIds = (shop: { customers: () => Iterable<{ id: string }> }) => Array.from(shop.customers(), (c) => c.id)

/** Pulls with `budget` per sync, from each committed cursor, until a pull delivers nothing new. */
const syncInBatches = (env: Parameters<typeof pull>[0], budget: number, start?: Cursor) =>
  Effect.gen(function*() {
    const delivered: Array<string> = []
    let cursor = start
    for (let run = 0; run < 1000; run++) {
      const pages = yield* pull(env, { budget, ...(cursor === undefined ? {} : { cursor }) })
      delivered.push(...ids(pages))
      cursor = pages.at(-1)?.cursor ?? cursor
      if (ids(pages).length < budget) return { delivered, cursor, runs: run + 1 }
    }
    throw new Error("the syncs never caught up: the cursor loops")
  })

layer(layerPull)("Shopify pull", (it) => {
  it.scoped("a full pull equals the shop's customers, in UPDATED_AT order, with names, phone and fields", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 1, size: 1000 })
      const pages = yield* pull(env)
      assert.deepStrictEqual(ids(pages), allIds(env.shop))
      assert.strictEqual(pages.length, 10, "page size 100")
      const nodes = Array.from(env.shop.customers())
      const records = contacts(pages)
      for (let i = 0; i < nodes.length; i += 97) {
        const node = nodes[i]!
        const record = records[i]!
        assert.strictEqual(record.email, node.defaultEmailAddress?.emailAddress ?? null)
        assert.strictEqual(record.firstName, node.firstName)
        assert.strictEqual(record.lastName, node.lastName)
        assert.strictEqual(record.phone, node.defaultPhoneNumber?.phoneNumber ?? node.defaultAddress?.phone ?? null)
        assert.strictEqual(record.fields["orders_count"], node.numberOfOrders)
        assert.strictEqual(record.fields["amount_spent"], node.amountSpent.amount)
        assert.strictEqual(record.fields["amount_spent_currency"], node.amountSpent.currencyCode)
        assert.strictEqual(record.fields["city"], node.defaultAddress?.city ?? null)
        assert.strictEqual(record.fields["tags"], node.tags.length ? node.tags.join(", ") : null)
        assert.strictEqual(record.fields["marketing_state"], node.defaultEmailAddress?.marketingState ?? null)
      }
      // The dataset has what the engine must cope with.
      assert.isTrue(records.some((r) => r.email === null), "missing emails")
      assert.isTrue(records.some((r) => r.email !== null && !/^[^@\s]+@[^@\s]+\.[a-z]+$/.test(r.email)), "invalid emails")
      assert.isTrue(records.some((r) => r.email !== null && r.email !== r.email.trim().toLowerCase()), "emails equal up to case/spaces")
    }))

  // Shopify's order among equal timestamps is unconfirmed: the fake serves ties both ways.
  for (const tieOrder of ["ascending-id", "descending-id"] as const) {
    it.scoped(`budget cuts: resuming from every committed cursor delivers each customer exactly once (ties by ${tieOrder})`, () =>
      Effect.gen(function*() {
        // Runs of 7 equal timestamps, pages of 25, batches of 9: cuts land inside runs and pages.
        const env = yield* setup({ seed: 2, size: 300, sameTimestampRun: 7, tieOrder }, { settings: { pageSize: 25 } })
        const first = yield* pull(env, { budget: 9 })
        assert.strictEqual(ids(first).length, 9)
        assert.strictEqual(first.length, 1, "a cut page ends the pull")
        const { delivered, runs } = yield* syncInBatches(env, 9)
        assert.sameMembers([...delivered], allIds(env.shop))
        assert.strictEqual(new Set(delivered).size, 300, "each customer once")
        assert.strictEqual(runs, Math.ceil(300 / 9) + (300 % 9 === 0 ? 1 : 0))
      }))

    it.scoped(`equal timestamps across page and batch boundaries: neither lost nor looped (ties by ${tieOrder})`, () =>
      Effect.gen(function*() {
        // 60 customers per timestamp, pages of 25, batches of 10.
        const env = yield* setup({ seed: 3, size: 240, sameTimestampRun: 60, tieOrder }, { settings: { pageSize: 25 } })
        const initial = yield* syncInBatches(env, 10)
        assert.sameMembers([...initial.delivered], allIds(env.shop))
        assert.strictEqual(new Set(initial.delivered).size, 240, "each customer once")
        // 23 more in one second, after everything: the incremental query starts at that second.
        const added = env.shop.dataset.add(23, { sameTimestamp: true })
        const next = yield* syncInBatches(env, 5, initial.cursor)
        assert.deepStrictEqual(next.delivered, added.map((i) => env.shop.dataset.externalId(i)))
        const again = yield* pull(env, { cursor: next.cursor! })
        assert.deepStrictEqual(ids(again), [], "caught up: nothing again")
      }))
  }

  it.scoped("incremental: after edits only the edited customers come, with their new values", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 4, size: 500 })
      const full = yield* pull(env)
      const cursor = full.at(-1)!.cursor
      const edited = env.shop.dataset.pick(6, 0)
      env.shop.dataset.edit(edited)
      const pages = yield* pull(env, { cursor })
      const expected = Array.from(env.shop.customers()).slice(-6)
      assert.deepStrictEqual([...ids(pages)].sort(), edited.map((i) => env.shop.dataset.externalId(i)).sort())
      assert.deepStrictEqual(contacts(pages).map((r) => r.fields["orders_count"]), expected.map((c) => c.numberOfOrders))
      assert.include(env.shop.events.filter((e) => e._tag === "Query").map((e) => String((e as any).variables.query)).at(-1), "updated_at:>=")
    }))

  it.scoped("deleted customers are not reported: they vanish, no tombstones", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 5, size: 200 })
      const cursor = (yield* pull(env)).at(-1)!.cursor
      const gone = env.shop.dataset.pick(3, 0)
      env.shop.dataset.remove(gone)
      env.shop.dataset.edit(env.shop.dataset.pick(2, 1).filter((i) => !gone.includes(i)))
      const pages = yield* pull(env, { cursor })
      assert.isTrue(pages.every((p) => p.records.every((r) => r._tag === "SourceContact")))
      assert.strictEqual(ids(yield* pull(env)).length, 197)
    }))

  it.scoped("criteria: any of the tags (ignoring case) and the email marketing states", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 6, size: 400 }, { criteria: { tags: ["VIP", "local"], emailMarketing: ["SUBSCRIBED"] } })
      const expected = Array.from(env.shop.customers())
        .filter((c) => c.tags.some((t) => t === "vip" || t === "Local") && c.defaultEmailAddress?.marketingState === "SUBSCRIBED")
        .map((c) => c.id)
      assert.isAbove(expected.length, 10)
      assert.isBelow(expected.length, 200)
      assert.deepStrictEqual(ids(yield* pull(env)), expected)
      // Customers outside the criteria do not count against the budget.
      const { delivered } = yield* syncInBatches(env, 7)
      assert.deepStrictEqual(delivered, expected)
    }))

  it.scoped("a cursor in the future yields nothing", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 7, size: 100 })
      const future = Schema.decodeUnknownSync(Cursor)({ updatedAt: new Date(env.shop.dataset.now + 86_400_000).toISOString(), id: "0" })
      const pages = yield* pull(env, { cursor: future })
      assert.deepStrictEqual(ids(pages), [])
      assert.isTrue(DateTime.Equivalence(pages.at(-1)!.cursor.updatedAt, future.updatedAt), "the cursor stays")
    }))

  it.scoped("a shop of 1,000,000 customers: built on demand, resumable near its end", () =>
    Effect.gen(function*() {
      const env = yield* setup({ seed: 8, size: 1_000_000 }, { settings: { pageSize: 150 } })
      const head = yield* pull(env, { budget: 400 })
      assert.strictEqual(ids(head).length, 400)
      // An incremental sync from the last seeded timestamp sees only what was edited since.
      const nearEnd = Schema.decodeUnknownSync(Cursor)({ updatedAt: env.shop.dataset.customer(999_999).updatedAt, id: "7000000999999" })
      env.shop.dataset.edit([12, 999_999])
      const tail = yield* pull(env, { cursor: nearEnd })
      assert.deepStrictEqual(ids(tail), ["gid://shopify/Customer/7000000000012", "gid://shopify/Customer/7000000999999"])
    }))
})
