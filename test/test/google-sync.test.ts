/**
 * Issue 2's end-to-end behaviour of a sync: the Google Contacts fake on a real loopback port,
 * the connector over undici, the real engine and the real store — on SQLite and on Postgres.
 */
import googleContacts from "@autoimport/connector-google-contacts"
import { makeGoogleFake, type GoogleFakeOptions } from "@autoimport/connector-google-contacts/fake"
import { serveFake } from "@autoimport/connector-kit/testing"
import { AccountId, type ImportId, NormalizedEmail, type SyncRun } from "@autoimport/core/Domain"
import { type StoreShape } from "@autoimport/core/Store"
import { layerPgTest, layerSqliteTest } from "@autoimport/store-sql/testing"
import { assert, layer } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as TestClock from "effect/TestClock"
import { makeHarness } from "../src/Harness.js"

let accounts = 0

const setup = (fakeOptions: GoogleFakeOptions, options: { readonly pageSize?: number; readonly store?: (store: StoreShape) => StoreShape } = {}) =>
  Effect.gen(function*() {
    const fake = makeGoogleFake(fakeOptions)
    const { url } = yield* serveFake(fake.handlers)
    const settings = Schema.decodeUnknownSync(googleContacts.settings)({ ...fake.settings(url), ...(options.pageSize ? { pageSize: options.pageSize } : {}) })
    const base = yield* makeHarness([{ connector: googleContacts, settings }])
    const h = options.store ? yield* makeHarness([{ connector: googleContacts, settings }], options.store(base.store)) : base
    const accountId = AccountId.make(`google-${process.pid}-${++accounts}`)
    const config = Schema.encodeSync(googleContacts.config)({ ...fake.credentials })
    const { importId, listId } = yield* h.createImport({ accountId, connector: googleContacts, name: "My Google contacts", config })
    const contacts = h.store.listContacts({ accountId, limit: 1_000_000 })
    const emails = Effect.map(contacts, (all) => all.map((c) => c.email as string).sort())
    return { fake, h, accountId, importId, listId, config, contacts, emails }
  })

const sorted = (set: Set<string>) => [...set].sort()
const counts = (runs: ReadonlyArray<SyncRun>) => runs.map((r) => r.counts.fetched)

const suite = (dialect: string, storeLayer: typeof layerSqliteTest) =>
  layer(storeLayer, { timeout: 120_000 })(`Google Contacts sync on ${dialect}`, (it) => {
    it.scoped("an initial import of 1,234 contacts takes three syncs (500, 500, 234) and ends with exactly the valid ones", () =>
      Effect.gen(function*() {
        const { emails, fake, h, importId } = yield* setup({ seed: 2, size: 1_234 })
        const runs = yield* h.syncUntilDone(importId)
        assert.deepStrictEqual(counts(runs), [500, 500, 234])
        assert.deepStrictEqual(runs.map((r) => r.outcome), ["batch-cap", "batch-cap", "caught-up"])
        assert.deepStrictEqual(yield* emails, sorted(fake.expectedEmails()))
        const again = yield* h.sync(importId)
        assert.strictEqual(again.counts.fetched, 0)
      }))

    it.scoped("contacts without an email or with an invalid one are skipped and recorded with reason and source id", () =>
      Effect.gen(function*() {
        const { fake, h, importId } = yield* setup({ seed: 3, size: 300, missingEmailRatio: 0.1, invalidEmailRatio: 0.1 })
        const runs = yield* h.syncUntilDone(importId)
        const skips = (yield* Effect.forEach(runs, (run) => h.store.listSkips(run.id))).flat()
        const byId = new Map(skips.map((s) => [s.externalId as string, s]))
        let missing = 0
        let invalid = 0
        for (const record of fake.expected()) {
          if (record.email === null || record.email.trim() === "") {
            missing++
            assert.strictEqual(byId.get(record.externalId)?.reason, "MissingEmail", `${record.externalId} has no email`)
          } else if (!fake.expectedEmails().has(record.email.trim().toLowerCase()) && byId.has(record.externalId)) {
            invalid++
            const skip = byId.get(record.externalId)!
            assert.strictEqual(skip.reason, "InvalidEmail")
            assert.strictEqual(skip.email, record.email)
            assert.isAbove(skip.detail.length, 0)
          }
        }
        assert.isAbove(missing, 0)
        assert.isAbove(invalid, 0)
        assert.strictEqual(runs.reduce((n, r) => n + r.counts.skipped, 0), skips.length)
        assert.strictEqual(skips.length, missing + invalid)
      }))

    it.scoped("fields and tags are created once per account and reused by a second import of the same service", () =>
      Effect.gen(function*() {
        const { accountId, config, h, importId } = yield* setup({ seed: 4, size: 50 })
        yield* h.syncUntilDone(importId)
        const second = yield* h.createImport({ accountId, connector: googleContacts, name: "Friends only", config: { ...(config as object), contactGroup: "friends" } })
        yield* h.syncUntilDone(second.importId)
        const fields = (yield* h.store.listFields(accountId)).filter((f) => f.connectorId === "google-contacts")
        assert.strictEqual(fields.length, googleContacts.fields.length)
        const company = fields.find((f) => f.key === "company")!
        assert.strictEqual(company.title, "Google Contacts Company")
        assert.strictEqual(company.tag, "GOOGLE_CONTACTS_COMPANY")
        assert.strictEqual(new Set(fields.map((f) => f.tag)).size, fields.length)
        const [contact] = yield* h.store.listContacts({ accountId, limit: 1 })
        assert.isTrue(Object.keys(contact!.fields).every((tag) => tag.startsWith("GOOGLE_CONTACTS_")))
      }))

    it.scoped("an edit shows up after the next sync; unchanged contacts are not rewritten", () =>
      Effect.gen(function*() {
        const { contacts, fake, h, importId } = yield* setup({ seed: 5, size: 120 })
        yield* h.syncUntilDone(importId)
        const before = new Map((yield* contacts).map((c) => [c.email as string, c]))
        yield* TestClock.adjust("1 hour")
        const target = [...fake.expected()].find((r) => r.email !== null && fake.expectedEmails().has(r.email.trim().toLowerCase()))!
        fake.dataset.edit(target.externalId, { email: target.email, company: "Analytical Engines Ltd" })
        // An expired sync token makes the next sync read everything again: only the edit is written.
        fake.faults.expireCursors()
        const [run] = yield* h.syncUntilDone(importId)
        assert.isTrue(run!.resynced)
        assert.strictEqual(run!.counts.updated, 1)
        assert.strictEqual(run!.counts.added, 0)
        const after = yield* contacts
        for (const contact of after) {
          const old = before.get(contact.email)!
          if (contact.email === target.email!.trim().toLowerCase()) {
            assert.strictEqual(contact.fields["GOOGLE_CONTACTS_COMPANY"], "Analytical Engines Ltd")
            assert.isAbove(contact.updatedAt.getTime(), old.updatedAt.getTime())
          } else {
            assert.strictEqual(contact.updatedAt.getTime(), old.updatedAt.getTime(), `${contact.email} was rewritten`)
          }
        }
      }))

    it.scoped("an unsubscribed contact stays unsubscribed after a sync updates it", () =>
      Effect.gen(function*() {
        const { accountId, contacts, fake, h, importId, listId } = yield* setup({ seed: 6, size: 40 })
        yield* h.syncUntilDone(importId)
        const target = [...fake.expected()].find((r) => r.email !== null && fake.expectedEmails().has(r.email.trim().toLowerCase()))!
        const email = NormalizedEmail.make(target.email!.trim().toLowerCase())
        assert.isTrue(yield* h.store.unsubscribe(accountId, email, listId))
        fake.dataset.edit(target.externalId, { email: target.email, company: "Babbage & Co", jobTitle: "Countess" })
        const [run] = yield* h.syncUntilDone(importId)
        assert.strictEqual(run!.counts.updated, 1)
        const contact = (yield* contacts).find((c) => c.email === email)!
        assert.strictEqual(contact.fields["GOOGLE_CONTACTS_JOB_TITLE"], "Countess")
        assert.deepStrictEqual(contact.lists.map((l) => l.status), ["unsubscribed"])
      }))

    it.scoped("the contact limit reached mid-page: updates go on, nothing new beyond it, the run says why; raising it adds exactly the rest", () =>
      Effect.gen(function*() {
        const { accountId, emails, fake, h, importId } = yield* setup({ seed: 7, size: 20, missingEmailRatio: 0, invalidEmailRatio: 0, duplicateEmailRatio: 0 })
        yield* h.syncUntilDone(importId)
        const existing = (yield* emails).length
        const people = [...fake.expected()]
        const added1 = [fake.dataset.add(), fake.dataset.add(), fake.dataset.add()]
        // The fake regenerates every value of an edited person unless told: keep the emails.
        fake.dataset.edit(people[0]!.externalId, { email: people[0]!.email, company: "Edited One" })
        fake.dataset.edit(people[1]!.externalId, { email: people[1]!.email, company: "Edited Two" })
        const added2 = [fake.dataset.add(), fake.dataset.add()]
        yield* h.store.setContactLimit(accountId, existing + 2)

        const limited = yield* h.sync(importId)
        assert.strictEqual(limited.outcome, "stopped")
        assert.strictEqual(limited.stopTag, "ContactLimitReached")
        assert.include(limited.message!, "contact limit")
        assert.deepStrictEqual([limited.counts.added, limited.counts.updated, limited.counts.deferred], [2, 2, 3])
        assert.strictEqual((yield* emails).length, existing + 2)
        const companies = new Set((yield* h.store.listContacts({ accountId, limit: 1_000 })).map((c) => c.fields["GOOGLE_CONTACTS_COMPANY"]))
        assert.isTrue(companies.has("Edited One") && companies.has("Edited Two"))

        yield* h.store.setContactLimit(accountId, null)
        const resumed = yield* h.sync(importId)
        assert.strictEqual(resumed.outcome, "caught-up")
        assert.deepStrictEqual([resumed.counts.added, resumed.counts.updated], [3, 0])
        const all = new Set(yield* emails)
        for (const person of [...added1, ...added2]) assert.isTrue(all.has(person.email!.trim().toLowerCase()))
        assert.deepStrictEqual(yield* emails, sorted(fake.expectedEmails()))
      }))

    it.scoped("equal update timestamps across page and batch boundaries lose nothing and do not loop", () =>
      Effect.gen(function*() {
        const { emails, fake, h, importId } = yield* setup({ seed: 8, size: 90, sameUpdateTimeRun: 45 }, { pageSize: 20 })
        const runs = yield* h.syncUntilDone(importId, 30, 10)
        assert.strictEqual(runs.at(-1)!.outcome, "caught-up")
        assert.deepStrictEqual(counts(runs), [30, 30, 30, 0])
        assert.deepStrictEqual(yield* emails, sorted(fake.expectedEmails()))
      }))

    it.scoped("an expired sync token leads to a full resync without duplicates", () =>
      Effect.gen(function*() {
        const { emails, fake, h, importId } = yield* setup({ seed: 9, size: 150 })
        yield* h.syncUntilDone(importId)
        const before = yield* emails
        fake.dataset.add({ email: "late.arrival@example.com" })
        fake.faults.expireCursors()
        const runs = yield* h.syncUntilDone(importId)
        assert.isTrue(runs[0]!.resynced)
        assert.strictEqual(runs.reduce((n, r) => n + r.counts.added, 0), 1)
        assert.deepStrictEqual(yield* emails, [...before, "late.arrival@example.com"].sort())
      }))

    it.scoped("a revoked refresh token ends the sync with AuthRevoked and changes nothing", () =>
      Effect.gen(function*() {
        const { contacts, fake, h, importId } = yield* setup({ seed: 10, size: 60 })
        yield* h.syncUntilDone(importId)
        const before = yield* contacts
        const cursor = yield* h.store.getCursor(importId)
        fake.dataset.add({ email: "never.seen@example.com" })
        fake.faults.revokeRefreshTokens()
        const run = yield* h.sync(importId)
        assert.strictEqual(run.outcome, "needs-attention")
        assert.strictEqual(run.stopTag, "AuthRevoked")
        assert.include(run.message!, "reconnect")
        assert.deepStrictEqual(yield* contacts, before)
        assert.deepStrictEqual(yield* h.store.getCursor(importId), cursor)
        const imp = yield* Effect.orDie(h.store.getImport(importId))
        assert.strictEqual(imp.status, "needs-attention")
      }))

    it.scoped("a failure between two pages leaves the store consistent, and the next sync converges", () =>
      Effect.gen(function*() {
        let commits = 0
        const { emails, fake, h, importId } = yield* setup({ seed: 11, size: 250 }, {
          pageSize: 50,
          store: (store) => ({
            ...store,
            commitPage: (write) => ++commits === 3 ? Effect.die(new Error("database connection lost")) : store.commitPage(write)
          })
        })
        const failed = yield* h.sync(importId)
        assert.strictEqual(failed.outcome, "failed")
        assert.strictEqual(failed.counts.fetched, 100)
        const partial = yield* emails
        assert.isAbove(partial.length, 0)
        const runs = yield* h.syncUntilDone(importId)
        assert.strictEqual(runs.at(-1)!.outcome, "caught-up")
        assert.deepStrictEqual(yield* emails, sorted(fake.expectedEmails()))
      }))

    it.scoped("an interrupted sync (shutdown) keeps every committed page and records the run as interrupted", () =>
      Effect.gen(function*() {
        const { emails, fake, h, importId } = yield* setup({ seed: 12, size: 400 }, { pageSize: 50 })
        fake.faults.slowNext(1_000, 20)
        const fiber = yield* Effect.fork(h.sync(importId))
        while ((yield* emails).length === 0) yield* Effect.promise(() => new Promise((r) => setTimeout(r, 5)))
        yield* Fiber.interrupt(fiber)
        fake.faults.clear()
        const [interrupted] = yield* h.store.listRuns(importId, 1)
        assert.strictEqual(interrupted!.outcome, "interrupted")
        yield* h.syncUntilDone(importId)
        assert.deepStrictEqual(yield* emails, sorted(fake.expectedEmails()))
        assert.isTrue(Option.isSome(yield* h.store.getCursor(importId as ImportId)))
      }))
  })

suite("SQLite", layerSqliteTest)
suite("Postgres", layerPgTest)
