/**
 * The core SyncEngine on this store, end to end with an in-memory connector: the two halves of
 * the write path (the engine's hashing and the store's page transaction) must agree.
 */
import { assert, layer } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import { Connectors, defineConnector, type Page } from "@autoimport/core/Connector"
import { AccountId, ExternalId, FieldDefinition, SourceContact, SourceDeletion, type SourceRecord } from "@autoimport/core/Domain"
import * as RateLimiter from "@autoimport/core/RateLimiter"
import { Store } from "@autoimport/core/Store"
import { SyncEngine } from "@autoimport/core/SyncEngine"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import * as TestClock from "effect/TestClock"
import { layerPgTest, layerSqliteTest } from "../src/testing.js"

/** The source: records in order; the cursor is how many have been committed. */
const source: Array<SourceRecord> = []
/** Runs before the connector hands over its n-th page of a pull: lets a test pause a sync there. */
let beforePage: (n: number) => Effect.Effect<void> = () => Effect.void

const memory = defineConnector({
  id: "memory",
  name: "Memory",
  version: "1.0.0",
  settings: Schema.Struct({}),
  config: Schema.Struct({ token: Schema.Redacted(Schema.String) }),
  cursor: Schema.Number,
  fields: [new FieldDefinition({ key: "company", label: "Company", type: "text" })],
  deletions: "never",
  accountKey: () => "memory",
  pull: ({ budget, cursor }) => {
    const from = Option.getOrElse(cursor, () => 0)
    const pages: Array<Page<number>> = []
    for (let at = from; at < Math.min(source.length, from + budget); at += 2) {
      const records = source.slice(at, Math.min(at + 2, from + budget))
      pages.push({ records, cursor: at + records.length })
    }
    return Stream.fromIterable(pages).pipe(
      Stream.zipWithIndex,
      Stream.mapEffect(([page, n]) => Effect.as(Effect.suspend(() => beforePage(n)), page))
    )
  }
})

/** Pauses the next pull before its n-th page, once: `reached` tells the test, `release` resumes it. */
const pauseOnce = (n: number) =>
  Effect.gen(function*() {
    const reached = yield* Deferred.make<void>()
    const release = yield* Deferred.make<void>()
    beforePage = (i) => {
      if (i !== n) return Effect.void
      beforePage = () => Effect.void
      return Effect.zipRight(Deferred.succeed(reached, undefined), Deferred.await(release))
    }
    return { reached, release }
  })

const newImport = (account: string) =>
  Effect.gen(function*() {
    const store = yield* Store
    const accountId = AccountId.make(account)
    const list = yield* store.ensureList(accountId, "Imported")
    const imp = yield* store.createImport({ accountId, connectorId: memory.id, name: account, config: { token: "memory-token-5b1e" }, listIds: [list.id] }, new Date(0))
    return { accountId, imp }
  })

const companies = (accountId: AccountId) =>
  Effect.map(
    Effect.flatMap(Store, (store) => store.listContacts({ accountId })),
    (contacts) => contacts.map((c) => [c.email, c.fields["MEMORY_COMPANY"]])
  )

const person = (id: string, email: string | null, company: string) =>
  new SourceContact({ externalId: ExternalId.make(id), email, firstName: id.toUpperCase(), fields: { company } })

const engine = (storeLayer: Layer.Layer<Store>) =>
  SyncEngine.Default.pipe(
    Layer.provideMerge(storeLayer),
    Layer.provide(Layer.succeed(Connectors, Connectors.fromList([{ connector: memory, settings: {} }]))),
    Layer.provide(RateLimiter.layer),
    Layer.provide(Layer.succeed(HttpClient.HttpClient, HttpClient.make(() => Effect.dieMessage("the memory connector makes no requests"))))
  )

const suite = (name: string, storeLayer: Layer.Layer<Store>) =>
  layer(engine(storeLayer), { timeout: "60 seconds" })(`SyncEngine on store-sql (${name})`, (it) => {
    it.effect("syncs, stops at the contact limit without losing anything, resumes, and rewrites nothing unchanged", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const sync = (yield* SyncEngine).sync
        const accountId = AccountId.make("engine")
        source.length = 0
        source.push(person("a", "ada@example.com", "Engines"), person("b", "not-an-email", "-"), person("c", "cyd@example.com", "C"), person("d", "dee@example.com", "D"))
        yield* store.setContactLimit(accountId, 2)
        const list = yield* store.ensureList(accountId, "Imported")
        const imp = yield* store.createImport(
          { accountId, connectorId: memory.id, name: "mem", config: { token: "memory-token-5b1e" }, listIds: [list.id] },
          new Date(0)
        )

        const first = yield* sync(imp.id)
        assert.deepStrictEqual([first.run.outcome, first.run.stopTag, first.run.counts.added, first.run.counts.skipped, first.run.counts.deferred], ["stopped", "ContactLimitReached", 2, 1, 1])
        assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some(4), "the cursor moves on; the deferred contact waits in the store")

        yield* store.setContactLimit(accountId, null)
        const second = yield* sync(imp.id)
        assert.deepStrictEqual([second.run.outcome, second.run.counts.added, second.run.counts.fetched], ["caught-up", 1, 0])
        const contacts = yield* store.listContacts({ accountId })
        assert.deepStrictEqual(
          contacts.map((c) => [c.email, c.firstName, c.fields["MEMORY_COMPANY"], c.lists[0]?.status]),
          [["ada@example.com", "A", "Engines", "active"], ["cyd@example.com", "C", "C", "active"], ["dee@example.com", "D", "D", "active"]]
        )
        assert.deepStrictEqual((yield* store.findSkips(accountId, "NOT-AN-EMAIL")).map((s) => s.externalId), ["b"])

        yield* store.resetCursor(imp.id)
        const again = yield* sync(imp.id)
        assert.deepStrictEqual([again.run.counts.added, again.run.counts.updated, again.run.counts.unchanged], [0, 0, 3])
      }))

    it.effect("R5: updates on later pages go on while new contacts wait; edits and deletions reach the waiting ones; raising the limit adds exactly them", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const sync = (yield* SyncEngine).sync
        const { accountId, imp } = yield* newImport("engine-r5")
        source.length = 0
        source.push(person("a", "ada@example.com", "A1"), person("b", "bob@example.com", "B1"))
        yield* sync(imp.id)
        yield* store.setContactLimit(accountId, 3)
        // Pages of two: [c, d] reaches the limit mid-page; [a edited, e] and [b edited] come after it.
        source.push(
          person("c", "cyd@example.com", "C1"),
          person("d", "dee@example.com", "D1"),
          person("a", "ada@example.com", "A2"),
          person("e", "eve@example.com", "E1"),
          person("b", "bob@example.com", "B2")
        )
        const limited = yield* sync(imp.id)
        assert.deepStrictEqual(
          [limited.run.outcome, limited.run.stopTag, limited.run.counts.added, limited.run.counts.updated, limited.run.counts.deferred],
          ["stopped", "ContactLimitReached", 1, 2, 2]
        )
        assert.strictEqual(
          limited.run.message,
          "the account's contact limit of 3 is reached: 2 new contact(s) wait until there is room (raise the limit or remove contacts); updates to existing contacts went on"
        )
        assert.deepStrictEqual(yield* companies(accountId), [["ada@example.com", "A2"], ["bob@example.com", "B2"], ["cyd@example.com", "C1"]])

        // While they wait, the source edits one and deletes the other.
        source.push(person("d", "dee@example.com", "D2"), new SourceDeletion({ externalId: ExternalId.make("e") }))
        const waiting = yield* sync(imp.id)
        assert.deepStrictEqual([waiting.run.outcome, waiting.run.counts.added, waiting.run.counts.deferred], ["stopped", 0, 1])
        assert.strictEqual(Option.getOrThrow(yield* store.getAccount(accountId)).deferredCount, 1)

        yield* store.setContactLimit(accountId, null)
        const resumed = yield* sync(imp.id)
        assert.deepStrictEqual([resumed.run.outcome, resumed.run.counts.added, resumed.run.counts.fetched, resumed.run.message], ["caught-up", 1, 0, null])
        assert.deepStrictEqual(yield* companies(accountId), [
          ["ada@example.com", "A2"],
          ["bob@example.com", "B2"],
          ["cyd@example.com", "C1"],
          ["dee@example.com", "D2"]
        ])
        const again = yield* sync(imp.id)
        assert.deepStrictEqual([again.run.outcome, again.run.counts.added, again.run.counts.updated], ["caught-up", 0, 0], "nothing is added twice")
        const runs = yield* store.listRuns(imp.id, 100)
        assert.strictEqual(runs.reduce((n, r) => n + r.counts.added, 0), 4, "the runs' added counts sum to the contacts added")
      }))

    it.effect("R2: deferred contacts count against the batch cap once there is room", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const sync = (yield* SyncEngine).sync
        const { accountId, imp } = yield* newImport("engine-cap")
        source.length = 0
        source.push(...Array.from({ length: 5 }, (_, i) => person(`p${i}`, `p${i}@example.com`, "-")))
        yield* store.setContactLimit(accountId, 0)
        assert.strictEqual((yield* sync(imp.id)).run.counts.deferred, 5)
        yield* store.setContactLimit(accountId, null)
        const first = yield* sync(imp.id, { batchCap: 3 })
        assert.deepStrictEqual([first.run.outcome, first.run.counts.added, first.run.counts.fetched], ["batch-cap", 3, 0])
        assert.strictEqual(first.run.message, "batch cap of 3 reached; the rest follows in the next syncs; 2 new contact(s) that waited for room follow in the next syncs")
        const second = yield* sync(imp.id, { batchCap: 3 })
        assert.deepStrictEqual([second.run.outcome, second.run.counts.added], ["caught-up", 2])
        assert.strictEqual(yield* store.countContacts(accountId), 5)
      }))

    it.effect("R10: a sync paused past its lease while another took over writes nothing more and reports its own run as interrupted", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const sync = (yield* SyncEngine).sync
        const { accountId, imp } = yield* newImport("engine-fence")
        source.length = 0
        source.push(...Array.from({ length: 6 }, (_, i) => person(`p${i}`, `p${i}@example.com`, "v1")))
        const paused = yield* pauseOnce(1)
        const stale = yield* Effect.fork(sync(imp.id, { owner: "runner-a", leaseTtlMillis: 60_000 }))
        yield* Deferred.await(paused.reached)
        const [staleRun] = yield* store.listRuns(imp.id, 1)

        // Its lease ran out while it stood still; another runner's sync takes over and finishes.
        assert.isTrue(Option.isSome(yield* store.acquireLease(imp.id, "runner-b", new Date(10 * 60_000), 60_000)))
        for (const i of [0, 1, 2]) source.push(person(`p${i}`, `p${i}@example.com`, "v2"))
        const successor = yield* sync(imp.id, { owner: "runner-b" })
        assert.strictEqual(successor.run.outcome, "caught-up")

        yield* Deferred.succeed(paused.release, undefined)
        const report = yield* Fiber.join(stale)
        assert.deepStrictEqual(
          [report.run.id, report.run.outcome, report.run.stopTag, report.run.counts.fetched],
          [staleRun!.id, "interrupted", "LeaseLost", 2]
        )
        assert.include(report.run.message!, "another sync took over")
        assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some(9), "the stale page did not move the cursor back")
        assert.deepStrictEqual((yield* companies(accountId)).map(([, company]) => company), ["v2", "v2", "v2", "v1", "v1", "v1"])
      }))

    it.effect("R10: a sync stalled inside the service ends once its lease is taken, without waiting for the service", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const sync = (yield* SyncEngine).sync
        const { imp } = yield* newImport("engine-stall")
        source.length = 0
        source.push(...Array.from({ length: 4 }, (_, i) => person(`p${i}`, `p${i}@example.com`, "-")))
        const paused = yield* pauseOnce(1)
        const stalled = yield* Effect.fork(sync(imp.id, { owner: "runner-a", leaseTtlMillis: 60_000 }))
        yield* Deferred.await(paused.reached)
        assert.isTrue(Option.isSome(yield* store.acquireLease(imp.id, "runner-b", new Date(10 * 60_000), 60_000)))
        yield* TestClock.adjust("20 seconds")
        const report = yield* Fiber.join(stalled)
        assert.deepStrictEqual([report.run.outcome, report.run.stopTag], ["interrupted", "LeaseLost"])
      }))

    it.effect("R8: a sync whose import is deleted meanwhile stops, says so, and writes nothing more", () =>
      Effect.gen(function*() {
        const store = yield* Store
        const sync = (yield* SyncEngine).sync
        const { accountId, imp } = yield* newImport("engine-deleted")
        source.length = 0
        source.push(...Array.from({ length: 4 }, (_, i) => person(`p${i}`, `p${i}@example.com`, "-")))
        const paused = yield* pauseOnce(1)
        const running = yield* Effect.fork(sync(imp.id))
        yield* Deferred.await(paused.reached)
        yield* store.deleteImport(imp.id)
        yield* Deferred.succeed(paused.release, undefined)
        const report = yield* Fiber.join(running)
        assert.deepStrictEqual([report.run.outcome, report.run.stopTag], ["interrupted", "LeaseLost"])
        assert.strictEqual(report.run.message, `import ${imp.id} was deleted during this run; the run stopped and wrote nothing more`)
        assert.strictEqual(yield* store.countContacts(accountId), 2)
      }))
  })

// One file, so the two suites run one after the other over the shared `source`.
suite("SQLite", layerSqliteTest)
suite("Postgres", layerPgTest)
