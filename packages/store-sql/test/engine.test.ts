/**
 * The core SyncEngine on this store, end to end with an in-memory connector: the two halves of
 * the write path (the engine's hashing and the store's page transaction) must agree.
 */
import { assert, layer } from "@effect/vitest"
import * as HttpClient from "@effect/platform/HttpClient"
import { Connectors, defineConnector, type Page } from "@autoimport/core/Connector"
import { AccountId, ExternalId, FieldDefinition, SourceContact, type SourceRecord } from "@autoimport/core/Domain"
import * as RateLimiter from "@autoimport/core/RateLimiter"
import { Store } from "@autoimport/core/Store"
import { SyncEngine } from "@autoimport/core/SyncEngine"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { layerPgTest, layerSqliteTest } from "../src/testing.js"

/** The source: records in order; the cursor is how many have been committed. */
const source: Array<SourceRecord> = []

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
    return Stream.fromIterable(pages)
  }
})

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
          { accountId, connectorId: memory.id, name: "mem", config: { token: "t" }, listIds: [list.id] },
          new Date(0)
        )

        const first = yield* sync(imp.id)
        assert.deepStrictEqual([first.run.outcome, first.run.stopTag, first.run.counts.added, first.run.counts.skipped, first.run.counts.deferred], ["stopped", "ContactLimitReached", 2, 1, 1])
        assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some(2), "the page with the deferred contact is read again")

        yield* store.setContactLimit(accountId, null)
        const second = yield* sync(imp.id)
        assert.deepStrictEqual([second.run.outcome, second.run.counts.added, second.run.counts.unchanged], ["caught-up", 1, 1])
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
  })

// One file, so the two suites run one after the other over the shared `source`.
suite("SQLite", layerSqliteTest)
suite("Postgres", layerPgTest)
