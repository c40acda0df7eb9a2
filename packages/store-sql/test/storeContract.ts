/**
 * The Store contract (packages/core/src/Store.ts), run unchanged against every dialect.
 * The layer is shared by the tests of one suite, so each test works in an account of its own.
 */
import { assert, describe, layer } from "@effect/vitest"
import * as SqlClient from "@effect/sql/SqlClient"
import {
  AccountId,
  ConnectorId,
  ExternalId,
  FieldDefinition,
  FieldId,
  type ImportId,
  ListId,
  NormalizedEmail,
  RunCounts,
  Skip
} from "@autoimport/core/Domain"
import { type ContactWrite, type PageWrite, Store } from "@autoimport/core/Store"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import type * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Credentials from "../src/Credentials.js"
import * as SqlStore from "../src/SqlStore.js"

let accounts = 0
const freshAccountId = () => AccountId.make(`acct-${process.pid}-${Date.now().toString(36)}-${++accounts}`)

const google = { id: ConnectorId.make("google-contacts"), name: "Google Contacts" }
const fieldDefinitions = [
  new FieldDefinition({ key: "company", label: "Company", type: "text" }),
  new FieldDefinition({ key: "job_title", label: "Job title", type: "text" })
]

const email = (address: string) => NormalizedEmail.make(address)
const xid = (id: string) => ExternalId.make(id)

const contact = (externalId: string, address: string, patch: Partial<ContactWrite> = {}): ContactWrite => ({
  externalId: xid(externalId),
  email: email(address),
  firstName: undefined,
  lastName: undefined,
  phone: undefined,
  fieldValues: [],
  hash: `hash-${externalId}-${address}`,
  previousExternalIds: [],
  ...patch
})

/** The lease a sync of the import would hold (long enough for any test), and a run under it. */
const begin = (importId: ImportId, owner = "runner-1", at = new Date(2_000)) =>
  Effect.gen(function*() {
    const store = yield* Store
    const lease = Option.getOrThrow(yield* store.acquireLease(importId, owner, at, 1e12))
    const runId = yield* store.startRun(importId, owner, at)
    return { lease, runId }
  })

type PagePatch = Partial<Omit<PageWrite, "cursor">> & { readonly cursor?: unknown }

/** An account with one list, one import targeting it, and a started run holding its lease. */
const setup = Effect.gen(function*() {
  const store = yield* Store
  const accountId = freshAccountId()
  yield* store.ensureAccount(accountId)
  const list = yield* store.ensureList(accountId, "Customers")
  const imp = yield* store.createImport(
    {
      accountId,
      connectorId: google.id,
      name: "My Google",
      config: { refreshToken: "secret-refresh-token", groups: ["friends"] },
      listIds: [list.id]
    },
    new Date(1_000)
  )
  const { lease, runId } = yield* begin(imp.id)
  const page = (contacts: ReadonlyArray<ContactWrite>, { cursor, ...patch }: PagePatch = {}): PageWrite => ({
    accountId,
    importId: imp.id,
    runId,
    lease,
    fetched: contacts.length,
    listIds: [list.id],
    contacts,
    deletions: [],
    skips: [],
    unchanged: [],
    now: new Date(3_000),
    ...patch,
    cursor: Option.some(cursor === undefined ? { page: contacts.length } : cursor)
  })
  return { store, accountId, list, imp, runId, lease, page }
})

const defectMessage = <A, E>(exit: Exit.Exit<A, E>): string => {
  if (Exit.isSuccess(exit)) return "(succeeded)"
  const defect = Cause.dieOption(exit.cause)
  return Option.match(defect, {
    onNone: () => Cause.pretty(exit.cause),
    onSome: (d) => (d instanceof Error ? d.message : String(d))
  })
}

export const storeContract = (name: string, storeLayer: Layer.Layer<Store | SqlClient.SqlClient>) =>
  describe(`Store contract on ${name}`, () => {
    layer(storeLayer, { timeout: "60 seconds" })((it) => {
      describe("accounts and lists", () => {
        it.effect("ensureAccount is idempotent; limits and counts read back", () =>
          Effect.gen(function*() {
            const store = yield* Store
            const id = freshAccountId()
            assert.isTrue(Option.isNone(yield* store.getAccount(id)))
            const first = yield* store.ensureAccount(id)
            const again = yield* store.ensureAccount(id)
            assert.deepStrictEqual([first.contactLimit, first.contactCount], [null, 0])
            assert.deepStrictEqual(again, first)
            const limited = yield* store.setContactLimit(id, 5)
            assert.strictEqual(limited.contactLimit, 5)
            assert.strictEqual((yield* store.ensureAccount(id)).contactLimit, 5, "ensureAccount keeps the limit")
            assert.strictEqual((yield* store.setContactLimit(id, null)).contactLimit, null)
          }))

        it.effect("ensureList returns the same list for the same name", () =>
          Effect.gen(function*() {
            const store = yield* Store
            const accountId = freshAccountId()
            const a = yield* store.ensureList(accountId, "Customers")
            const b = yield* store.ensureList(accountId, "Customers")
            const c = yield* store.ensureList(accountId, "Leads")
            assert.strictEqual(a.id, b.id)
            assert.notStrictEqual(a.id, c.id)
            assert.match(a.id, /^[0-9]+$/, "ids are short integers shown as text")
            assert.deepStrictEqual((yield* store.listLists(accountId)).map((l) => l.name), ["Customers", "Leads"])
          }))
      })

      describe("custom fields (R3)", () => {
        it.effect("creates title and tag after the service, once; reuses them on the next call", () =>
          Effect.gen(function*() {
            const store = yield* Store
            const accountId = freshAccountId()
            const first = yield* store.ensureFields(accountId, google, fieldDefinitions)
            const company = first.get("company")!
            assert.deepStrictEqual(
              [company.title, company.tag, company.connectorId, company.key, company.type],
              ["Google Contacts Company", "GOOGLE_CONTACTS_COMPANY", "google-contacts", "company", "text"]
            )
            assert.strictEqual(first.get("job_title")!.tag, "GOOGLE_CONTACTS_JOB_TITLE")
            const second = yield* store.ensureFields(accountId, google, fieldDefinitions)
            assert.deepStrictEqual([...second.values()], [...first.values()])
            assert.strictEqual((yield* store.listFields(accountId)).length, 2)
          }))

        it.effect("never takes over a field it did not create: a taken title or tag gets a suffix", () =>
          Effect.gen(function*() {
            const store = yield* Store
            const sql = yield* SqlClient.SqlClient
            const accountId = freshAccountId()
            yield* store.ensureAccount(accountId)
            // A field the user made by hand, with the title the connector's field would get (other case).
            yield* sql`INSERT INTO custom_fields (account_id, title, title_key, tag, type)
              VALUES (${accountId}, ${"google contacts company"}, ${"google contacts company"}, ${"MY_COMPANY"}, ${"text"})`
            const fields = yield* store.ensureFields(accountId, google, fieldDefinitions.slice(0, 1))
            const company = fields.get("company")!
            assert.deepStrictEqual([company.title, company.tag], ["Google Contacts Company (2)", "GOOGLE_CONTACTS_COMPANY_2"])
            // Another connector whose name derives the same tag.
            const other = yield* store.ensureFields(
              accountId,
              { id: ConnectorId.make("google-contacts-2"), name: "Google-Contacts" },
              fieldDefinitions.slice(0, 1)
            )
            assert.deepStrictEqual(
              [other.get("company")!.title, other.get("company")!.tag],
              ["Google-Contacts Company", "GOOGLE_CONTACTS_COMPANY"]
            )
          }))

        it.effect("concurrent calls never duplicate", () =>
          Effect.gen(function*() {
            const store = yield* Store
            const accountId = freshAccountId()
            yield* store.ensureAccount(accountId)
            const results = yield* Effect.all(
              Array.from({ length: 6 }, () => store.ensureFields(accountId, google, fieldDefinitions)),
              { concurrency: "unbounded" }
            )
            const ids = new Set(results.map((r) => r.get("company")!.id))
            assert.strictEqual(ids.size, 1)
            assert.strictEqual((yield* store.listFields(accountId)).length, 2)
          }))
      })

      describe("imports", () => {
        it.effect("create, get, list, update; config is encrypted at rest", () =>
          Effect.gen(function*() {
            const { accountId, imp, list, store } = yield* setup
            const sql = yield* SqlClient.SqlClient
            assert.deepStrictEqual(imp.config, { refreshToken: "secret-refresh-token", groups: ["friends"] })
            assert.deepStrictEqual(yield* store.getImport(imp.id), imp)
            assert.deepStrictEqual((yield* store.listImports(accountId)).map((i) => i.id), [imp.id])
            assert.isTrue((yield* store.listImports()).some((i) => i.id === imp.id))
            const [raw] = yield* sql<{ config: string }>`SELECT config FROM imports WHERE id = ${Number(imp.id)}`
            assert.notInclude(raw!.config, "secret-refresh-token")
            assert.match(raw!.config, /^v1:/)

            const other = yield* store.ensureList(accountId, "Leads")
            const updated = yield* store.updateImport(
              imp.id,
              { name: "Renamed", config: { refreshToken: "rotated" }, listIds: [list.id, other.id], status: "needs-attention", statusReason: "reconnect" },
              new Date(5_000)
            )
            assert.deepStrictEqual(
              [updated.name, updated.config, updated.listIds, updated.status, updated.statusReason, updated.updatedAt.getTime(), updated.createdAt.getTime()],
              ["Renamed", { refreshToken: "rotated" }, [list.id, other.id], "needs-attention", "reconnect", 5_000, 1_000]
            )
            const cleared = yield* store.updateImport(imp.id, { status: "active", statusReason: null }, new Date(6_000))
            assert.deepStrictEqual([cleared.name, cleared.statusReason, cleared.config], ["Renamed", null, { refreshToken: "rotated" }])
          }))

        it.effect("a wrong credentials key is a defect naming the import, never garbage", () =>
          Effect.gen(function*() {
            const { imp } = yield* setup
            const withOtherKey = yield* SqlStore.make.pipe(Effect.provide(Credentials.layer(Credentials.generateKey())))
            const exit = yield* Effect.exit(withOtherKey.getImport(imp.id))
            assert.include(defectMessage(exit), `the credentials key does not decrypt import ${imp.id} stored in this database (wrong key?)`)
          }))

        it.effect("a ciphertext copied onto another import does not decrypt", () =>
          Effect.gen(function*() {
            const { imp, store } = yield* setup
            const second = yield* setup
            const sql = yield* SqlClient.SqlClient
            yield* sql`UPDATE imports SET config = (SELECT config FROM imports WHERE id = ${Number(imp.id)})
              WHERE id = ${Number(second.imp.id)}`
            const exit = yield* Effect.exit(store.getImport(second.imp.id))
            assert.include(defectMessage(exit), `does not decrypt import ${second.imp.id}`)
          }))

        it.effect("unknown ids fail with ImportNotFound", () =>
          Effect.gen(function*() {
            const store = yield* Store
            for (const id of ["987654321", "abc", "1; DROP TABLE imports"]) {
              const error = yield* Effect.flip(store.getImport(id as ImportId))
              assert.strictEqual(error._tag, "ImportNotFound")
              assert.strictEqual((yield* Effect.flip(store.updateImport(id as ImportId, { name: "x" }, new Date(0))))._tag, "ImportNotFound")
            }
          }))

        it.effect("targeting a list of another account is refused", () =>
          Effect.gen(function*() {
            const { imp, store } = yield* setup
            const foreign = yield* store.ensureList(freshAccountId(), "Theirs")
            const exit = yield* Effect.exit(store.updateImport(imp.id, { listIds: [foreign.id] }, new Date(0)))
            assert.include(defectMessage(exit), `list(s) ${foreign.id} do not exist in account ${imp.accountId}`)
          }))

        it.effect("deleteImport stops the import; its contacts and runs stay", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, runId, store } = yield* setup
            yield* store.commitPage(page([contact("c1", "ada@example.com")]))
            yield* store.deleteImport(imp.id)
            assert.strictEqual((yield* Effect.flip(store.getImport(imp.id)))._tag, "ImportNotFound")
            assert.strictEqual((yield* Effect.flip(store.deleteImport(imp.id)))._tag, "ImportNotFound")
            assert.deepStrictEqual(yield* store.listImports(accountId), [])
            assert.notInclude(yield* store.listDueImports(new Date(1e13)), imp.id)
            assert.isTrue(Option.isNone(yield* store.acquireLease(imp.id, "runner-2", new Date(1e13), 1_000)))
            assert.strictEqual(yield* store.countContacts(accountId), 1)
            assert.deepStrictEqual((yield* store.listRuns(imp.id, 10)).map((r) => r.id), [runId])
          }))

        it.effect("a stored row of another shape is a defect naming the column, never a value of the wrong type", () =>
          Effect.gen(function*() {
            const { imp, store } = yield* setup
            const sql = yield* SqlClient.SqlClient
            const corrupt = sql`UPDATE imports SET list_ids = ${"not json"} WHERE id = ${Number(imp.id)}`
            // The layer is shared by the suite, which lists every account's imports elsewhere.
            const restore = sql`UPDATE imports SET list_ids = ${JSON.stringify(imp.listIds)} WHERE id = ${Number(imp.id)}`
            const [one, all] = yield* Effect.zipRight(
              corrupt,
              Effect.all([Effect.exit(store.getImport(imp.id)), Effect.exit(store.listImports(imp.accountId))])
            ).pipe(Effect.ensuring(Effect.orDie(restore)))
            assert.include(defectMessage(one), "list_ids")
            assert.include(defectMessage(all), "list_ids")
            assert.deepStrictEqual(yield* store.getImport(imp.id), imp)
          }))
      })

      describe("sync state", () => {
        it.effect("cursor: none until a page commits it; resetCursor forgets it", () =>
          Effect.gen(function*() {
            const { imp, page, store } = yield* setup
            assert.isTrue(Option.isNone(yield* store.getCursor(imp.id)))
            yield* store.commitPage(page([], { cursor: { token: "abc", at: [1, 2] } }))
            assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some({ token: "abc", at: [1, 2] }))
            yield* store.commitPage(page([], { cursor: null }))
            assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some(null), "a null cursor is still a cursor")
            yield* store.resetCursor(imp.id)
            assert.isTrue(Option.isNone(yield* store.getCursor(imp.id)))
          }))

        it.effect("leases: free, held, renewed, taken when expired, released only by their holder; every take a new token", () =>
          Effect.gen(function*() {
            const { imp, lease: setupLease, store } = yield* setup
            yield* store.releaseLease(imp.id, setupLease)
            const at = (ms: number) => new Date(ms)
            const a = Option.getOrThrow(yield* store.acquireLease(imp.id, "a", at(0), 1_000))
            assert.isTrue(Option.isNone(yield* store.acquireLease(imp.id, "b", at(999), 1_000)))
            yield* store.renewLease(imp.id, a, at(500), 1_000)
            assert.isTrue(Option.isNone(yield* store.acquireLease(imp.id, "b", at(1_499), 1_000)), "renewed until 1 500")
            yield* store.releaseLease(imp.id, a - 1)
            assert.isTrue(Option.isNone(yield* store.acquireLease(imp.id, "b", at(1_499), 1_000)), "an old token releases nothing")
            const b = Option.getOrThrow(yield* store.acquireLease(imp.id, "b", at(1_500), 1_000))
            assert.isAbove(b, a, "taken after it expired, with a new token")
            const lost = yield* Effect.flip(store.renewLease(imp.id, a, at(1_600), 1_000))
            assert.deepStrictEqual([lost._tag, lost.reason], ["LeaseLost", "taken"])
            assert.strictEqual(lost.message, `another sync took over import ${imp.id} (this one was paused or cut off longer than its lease); this run stopped and wrote nothing more`)
            yield* store.releaseLease(imp.id, a)
            assert.isTrue(Option.isNone(yield* store.acquireLease(imp.id, "c", at(1_600), 1_000)), "the fenced holder cannot release it")
            yield* store.releaseLease(imp.id, b)
            const c = Option.getOrThrow(yield* store.acquireLease(imp.id, "c", at(1_600), 1_000))
            const again = Option.getOrThrow(yield* store.acquireLease(imp.id, "c", at(1_700), 1_000))
            assert.isAbove(again, c, "the same owner taking it again fences its earlier sync")
            assert.strictEqual((yield* Effect.flip(store.renewLease(imp.id, c, at(1_700), 1_000))).reason, "taken")
          }))

        it.effect("lease fencing (R10): a page under a lease taken over writes nothing, not even its run's counts", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, runId, store } = yield* setup
            yield* store.commitPage(page([contact("p1", "ada@example.com")], { cursor: "mine" }))
            // This holder is paused past its lease; another sync takes the import over.
            const successor = yield* begin(imp.id, "runner-2", new Date(1e12 + 10_000))
            const stale = yield* Effect.flip(store.commitPage(page([
              contact("p1", "ada@example.com", { firstName: "Stale", hash: "h2" }),
              contact("p2", "bob@example.com")
            ], { cursor: "stale", skips: [new Skip({ externalId: xid("s1"), reason: "MissingEmail", detail: "-", email: null })] })))
            assert.deepStrictEqual([stale._tag, stale.reason], ["LeaseLost", "taken"])
            assert.deepStrictEqual((yield* store.listContacts({ accountId })).map((c) => [c.email, c.firstName]), [["ada@example.com", null]])
            assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some("mine"))
            assert.deepStrictEqual(yield* store.listSkips(runId), [])
            assert.deepStrictEqual((yield* store.getRun(runId)).counts.fetched, 1, "only the page committed under the lease counts")
            // The successor writes normally.
            const result = yield* store.commitPage({ ...page([contact("p2", "bob@example.com")], { cursor: "theirs" }), ...successor })
            assert.strictEqual(result.added, 1)
            assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some("theirs"))
          }))

        it.effect("deleting an import fences its sync in flight: the next page is refused as deleted", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, store } = yield* setup
            yield* store.commitPage(page([contact("p1", "ada@example.com")]))
            yield* store.deleteImport(imp.id)
            const refused = yield* Effect.flip(store.commitPage(page([contact("p2", "bob@example.com")])))
            assert.deepStrictEqual([refused._tag, refused.reason], ["LeaseLost", "deleted"])
            assert.strictEqual(refused.message, `import ${imp.id} was deleted during this run; the run stopped and wrote nothing more`)
            assert.strictEqual(yield* store.countContacts(accountId), 1)
          }))

        it.effect("concurrent acquireLease: exactly one owner wins", () =>
          Effect.gen(function*() {
            const { imp, lease, store } = yield* setup
            yield* store.releaseLease(imp.id, lease)
            const wins = yield* Effect.all(
              Array.from({ length: 8 }, (_, i) => store.acquireLease(imp.id, `owner-${i}`, new Date(0), 60_000)),
              { concurrency: "unbounded" }
            )
            assert.strictEqual(wins.filter(Option.isSome).length, 1)
          }))

        it.effect("schedule and due imports", () =>
          Effect.gen(function*() {
            const { imp, store } = yield* setup
            const second = yield* setup
            const schedule = yield* store.getSchedule(imp.id)
            assert.deepStrictEqual([schedule.lastRunAt?.getTime(), schedule.nextRunAt], [2_000, null], "startRun records the last run")
            yield* store.setNextRunAt(imp.id, new Date(10_000))
            yield* store.setNextRunAt(second.imp.id, new Date(20_000))
            const due = (ms: number) =>
              Effect.map(store.listDueImports(new Date(ms)), (ids) => ids.filter((id) => id === imp.id || id === second.imp.id))
            assert.deepStrictEqual(yield* due(9_999), [])
            assert.deepStrictEqual(yield* due(10_000), [imp.id])
            assert.deepStrictEqual(yield* due(20_000), [imp.id, second.imp.id])
            yield* store.setNextRunAt(second.imp.id, null)
            assert.deepStrictEqual(yield* due(0), [second.imp.id], "never scheduled means due")
            assert.strictEqual((yield* store.getSchedule(imp.id)).nextRunAt?.getTime(), 10_000)
            assert.strictEqual((yield* Effect.flip(store.getSchedule("424242" as ImportId)))._tag, "ImportNotFound")
          }))
      })

      describe("commitPage", () => {
        it.effect("adds new contacts with fields, memberships and links; the cursor commits", () =>
          Effect.gen(function*() {
            const { accountId, imp, list, page, store } = yield* setup
            const fields = yield* store.ensureFields(accountId, google, fieldDefinitions)
            const company = fields.get("company")!
            const result = yield* store.commitPage(page([
              contact("people/1", "ada@example.com", {
                firstName: "Ada",
                lastName: "Lovelace",
                phone: "+44 1",
                fieldValues: [{ fieldId: company.id, value: "Analytical Engines" }]
              }),
              contact("people/2", "bob@example.com")
            ]))
            assert.deepStrictEqual(result, { added: 2, updated: 0, deleted: 0, deferred: [] })
            const [ada, bob] = yield* store.listContacts({ accountId })
            assert.deepStrictEqual(
              [ada!.email, ada!.firstName, ada!.lastName, ada!.phone, ada!.fields, ada!.lists, ada!.createdAt.getTime()],
              ["ada@example.com", "Ada", "Lovelace", "+44 1", { GOOGLE_CONTACTS_COMPANY: "Analytical Engines" }, [{ listId: list.id, name: "Customers", status: "active" }], 3_000]
            )
            assert.deepStrictEqual([bob!.firstName, bob!.fields], [null, {}])
            const links = yield* store.loadLinks(imp.id, [xid("people/1"), xid("people/2"), xid("people/3")])
            assert.deepStrictEqual(
              [...links],
              [
                [xid("people/1"), { contactId: ada!.id, email: email("ada@example.com"), hash: "hash-people/1-ada@example.com" }],
                [xid("people/2"), { contactId: bob!.id, email: email("bob@example.com"), hash: "hash-people/2-bob@example.com" }]
              ]
            )
            assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some({ page: 2 }))
          }))

        it.effect("updates existing contacts: undefined keeps a column, null clears a field value", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, store } = yield* setup
            const fields = yield* store.ensureFields(accountId, google, fieldDefinitions)
            const [company, job] = [fields.get("company")!.id, fields.get("job_title")!.id]
            yield* store.commitPage(page([
              contact("p1", "ada@example.com", {
                firstName: "Ada",
                lastName: "Lovelace",
                fieldValues: [{ fieldId: company, value: "Engines" }, { fieldId: job, value: "Countess" }]
              })
            ]))
            const result = yield* store.commitPage(page([
              contact("p1", "ada@example.com", {
                firstName: "Augusta",
                phone: "+44 2",
                fieldValues: [{ fieldId: company, value: null }, { fieldId: job, value: "Mathematician" }],
                hash: "changed"
              })
            ], { now: new Date(9_000) }))
            assert.deepStrictEqual([result.added, result.updated], [0, 1])
            const [ada] = yield* store.listContacts({ accountId })
            assert.deepStrictEqual(
              [ada!.firstName, ada!.lastName, ada!.phone, ada!.fields, ada!.createdAt.getTime(), ada!.updatedAt.getTime()],
              ["Augusta", "Lovelace", "+44 2", { GOOGLE_CONTACTS_JOB_TITLE: "Mathematician" }, 3_000, 9_000]
            )
            assert.strictEqual((yield* store.loadLinks(imp.id, [xid("p1")])).get(xid("p1"))!.hash, "changed")
          }))

        it.effect("matches an existing contact by account and email, also from another import", () =>
          Effect.gen(function*() {
            const first = yield* setup
            yield* first.store.commitPage(first.page([contact("a", "ada@example.com", { firstName: "Ada" })]))
            const secondImport = yield* first.store.createImport(
              { accountId: first.accountId, connectorId: ConnectorId.make("hubspot"), name: "HubSpot", config: {}, listIds: [] },
              new Date(0)
            )
            const result = yield* first.store.commitPage({
              ...first.page([contact("hs-9", "ada@example.com", { lastName: "Lovelace" })]),
              importId: secondImport.id,
              ...(yield* begin(secondImport.id, "r")),
              listIds: []
            })
            assert.deepStrictEqual([result.added, result.updated], [0, 1])
            const contacts = yield* first.store.listContacts({ accountId: first.accountId })
            assert.deepStrictEqual(contacts.map((c) => [c.firstName, c.lastName]), [["Ada", "Lovelace"]])
            const [viaFirst, viaSecond] = [
              (yield* first.store.loadLinks(first.imp.id, [xid("a")])).get(xid("a"))!,
              (yield* first.store.loadLinks(secondImport.id, [xid("hs-9")])).get(xid("hs-9"))!
            ]
            assert.strictEqual(viaFirst.contactId, viaSecond.contactId)
            // A contact of another account with the same email is a different contact.
            const other = yield* setup
            assert.strictEqual((yield* other.store.commitPage(other.page([contact("a", "ada@example.com")]))).added, 1)
          }))

        it.effect("R6: an unsubscribed membership is never set back to active", () =>
          Effect.gen(function*() {
            const { accountId, list, page, store } = yield* setup
            const leads = yield* store.ensureList(accountId, "Leads")
            yield* store.commitPage(page([contact("p1", "ada@example.com")]))
            assert.isTrue(yield* store.unsubscribe(accountId, email("ada@example.com"), list.id))
            assert.isFalse(yield* store.unsubscribe(accountId, email("nobody@example.com"), list.id))
            yield* store.commitPage(page([contact("p1", "ada@example.com", { firstName: "Ada", hash: "h2" })], { listIds: [list.id, leads.id] }))
            const [ada] = yield* store.listContacts({ accountId })
            assert.deepStrictEqual(ada!.lists.map((l) => [l.name, l.status]), [["Customers", "unsubscribed"], ["Leads", "active"]])
            assert.strictEqual(ada!.firstName, "Ada", "the update itself went on")
            assert.isTrue(yield* store.unsubscribe(accountId, email("ada@example.com"), undefined))
            const [after] = yield* store.listContacts({ accountId })
            assert.deepStrictEqual(after!.lists.map((l) => l.status), ["unsubscribed", "unsubscribed"])
          }))

        it.effect("unsubscribing from a list the contact is not on keeps a later import from subscribing it", () =>
          Effect.gen(function*() {
            const { accountId, page, store } = yield* setup
            const leads = yield* store.ensureList(accountId, "Leads")
            yield* store.commitPage(page([contact("p1", "ada@example.com")]))
            assert.isTrue(yield* store.unsubscribe(accountId, email("ada@example.com"), leads.id))
            yield* store.commitPage(page([contact("p1", "ada@example.com", { hash: "h2" })], { listIds: [leads.id] }))
            const [ada] = yield* store.listContacts({ accountId, listId: leads.id })
            assert.deepStrictEqual(ada!.lists.find((l) => l.listId === leads.id)?.status, "unsubscribed")
          }))

        it.effect("contact limit (R5): new contacts beyond it are stored as deferred records in order, updates go on, the cursor moves on", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, store } = yield* setup
            const company = (yield* store.ensureFields(accountId, google, fieldDefinitions)).get("company")!.id
            yield* store.commitPage(page([contact("p1", "ada@example.com")], { cursor: "first" }))
            yield* store.setContactLimit(accountId, 2)
            const result = yield* store.commitPage(page([
              contact("p2", "bob@example.com"),
              contact("p1", "ada@example.com", { firstName: "Ada", hash: "h2" }),
              contact("p3", "cyd@example.com"),
              contact("p4", "dee@example.com", { firstName: "Dee", fieldValues: [{ fieldId: company, value: "D Ltd" }] })
            ], { cursor: "second" }))
            assert.deepStrictEqual(result, { added: 1, updated: 1, deleted: 0, deferred: [xid("p3"), xid("p4")] })
            assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some("second"), "the cursor does not wait for them")
            assert.deepStrictEqual((yield* store.listContacts({ accountId })).map((c) => [c.email, c.firstName]), [
              ["ada@example.com", "Ada"],
              ["bob@example.com", null]
            ])
            assert.strictEqual((yield* store.loadLinks(imp.id, [xid("p3"), xid("p4")])).size, 0, "no link for a deferred contact")
            assert.deepStrictEqual(yield* store.loadDeferred(imp.id, 10), [
              { externalId: xid("p3"), email: email("cyd@example.com"), firstName: undefined, lastName: undefined, phone: undefined, fieldValues: [], previousExternalIds: [] },
              { externalId: xid("p4"), email: email("dee@example.com"), firstName: "Dee", lastName: undefined, phone: undefined, fieldValues: [{ fieldId: company, value: "D Ltd" }], previousExternalIds: [] }
            ])
            assert.deepStrictEqual((yield* store.loadDeferred(imp.id, 1)).map((r) => r.externalId), [xid("p3")], "oldest first, bounded")
            assert.strictEqual(yield* store.countDeferred(imp.id), 2)
            assert.strictEqual(Option.getOrThrow(yield* store.getAccount(accountId)).deferredCount, 2)

            // Still no room: a new version replaces the deferred one in place (it keeps its turn).
            yield* store.commitPage(page([contact("p3", "cyd@example.com", { lastName: "Edited", hash: "h3" })], { cursor: "third" }))
            assert.deepStrictEqual((yield* store.loadDeferred(imp.id, 10)).map((r) => [r.externalId, r.lastName]), [["p3", "Edited"], ["p4", undefined]])

            // Room again: adding the deferred records (no cursor) removes them; nothing twice.
            yield* store.setContactLimit(accountId, null)
            const waiting = yield* store.loadDeferred(imp.id, 10)
            const drained = yield* store.commitPage({
              ...page(waiting.map((r) => ({ ...r, hash: `drained-${r.externalId}` })), { fetched: 0 }),
              cursor: Option.none()
            })
            assert.deepStrictEqual(drained, { added: 2, updated: 0, deleted: 0, deferred: [] })
            assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some("third"), "draining keeps the cursor")
            assert.deepStrictEqual(yield* store.loadDeferred(imp.id, 10), [])
            const contacts = yield* store.listContacts({ accountId })
            assert.deepStrictEqual(contacts.map((c) => [c.email, c.firstName, c.lastName, c.fields]), [
              ["ada@example.com", "Ada", null, {}],
              ["bob@example.com", null, null, {}],
              ["cyd@example.com", null, "Edited", {}],
              ["dee@example.com", "Dee", null, { GOOGLE_CONTACTS_COMPANY: "D Ltd" }]
            ])
            assert.strictEqual((yield* store.loadLinks(imp.id, [xid("p3")])).get(xid("p3"))!.hash, "drained-p3")
          }))

        it.effect("a deferred record goes when the source deletes it, skips it, re-keys it or is back to its linked version", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, store } = yield* setup
            yield* store.commitPage(page([contact("linked", "ada@example.com")]))
            yield* store.setContactLimit(accountId, 1)
            yield* store.commitPage(page([
              contact("d1", "d1@example.com"),
              contact("d2", "d2@example.com"),
              contact("d3", "d3@example.com"),
              contact("d4", "d4@example.com"),
              // The linked record's email changed to a new address: deferred too.
              contact("linked", "new-ada@example.com", { hash: "h-new" }),
              contact("d5", "d5@example.com")
            ]))
            assert.strictEqual(yield* store.countDeferred(imp.id), 6)
            yield* store.commitPage(page([contact("d4-new", "d4@example.com", { previousExternalIds: [xid("d4")] })], {
              deletions: [xid("d1")],
              skips: [new Skip({ externalId: xid("d2"), reason: "InvalidEmail", detail: "now invalid", email: "d2@" })],
              unchanged: [xid("linked")]
            }))
            assert.deepStrictEqual((yield* store.loadDeferred(imp.id, 10)).map((r) => r.externalId), [xid("d3"), xid("d5"), xid("d4-new")])
            const run = yield* store.getRun((yield* store.listRuns(imp.id, 1))[0]!.id)
            assert.deepStrictEqual([run.counts.unchanged, run.counts.skipped, run.counts.deleted, run.counts.deferred], [1, 1, 0, 7])
            assert.strictEqual(yield* store.countContacts(accountId), 1)
          }))

        it.effect("deleting an import or resetting its cursor drops its deferred records", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, store } = yield* setup
            const other = yield* setup
            yield* store.setContactLimit(accountId, 0)
            yield* store.setContactLimit(other.accountId, 0)
            yield* store.commitPage(page([contact("p1", "ada@example.com")]))
            yield* other.store.commitPage(other.page([contact("p1", "ada@example.com")]))
            yield* store.resetCursor(imp.id)
            assert.deepStrictEqual([yield* store.countDeferred(imp.id), yield* store.countDeferred(other.imp.id)], [0, 1])
            yield* store.deleteImport(other.imp.id)
            assert.strictEqual(yield* store.countDeferred(other.imp.id), 0)
            assert.strictEqual(Option.getOrThrow(yield* store.getAccount(other.accountId)).deferredCount, 0)
          }))

        it.effect("a limit of 0 defers every new contact", () =>
          Effect.gen(function*() {
            const { accountId, page, store } = yield* setup
            yield* store.setContactLimit(accountId, 0)
            const result = yield* store.commitPage(page([contact("p1", "ada@example.com"), contact("p2", "ada@example.com")]))
            assert.deepStrictEqual([result.added, result.updated, result.deferred], [0, 0, [xid("p1"), xid("p2")]])
            assert.strictEqual((yield* store.getAccount(accountId)).pipe(Option.getOrThrow).contactCount, 0)
          }))

        it.effect("one email twice in a page: one contact, later values win, both records link to it", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, store } = yield* setup
            const company = (yield* store.ensureFields(accountId, google, fieldDefinitions)).get("company")!.id
            const result = yield* store.commitPage(page([
              contact("p1", "ada@example.com", { firstName: "Ada", lastName: "L", fieldValues: [{ fieldId: company, value: "One" }] }),
              contact("p2", "ada@example.com", { firstName: "Augusta", fieldValues: [{ fieldId: company, value: "Two" }] })
            ]))
            assert.deepStrictEqual([result.added, result.updated], [1, 1])
            const contacts = yield* store.listContacts({ accountId })
            assert.deepStrictEqual(contacts.map((c) => [c.firstName, c.lastName, c.fields]), [["Augusta", "L", { GOOGLE_CONTACTS_COMPANY: "Two" }]])
            const links = yield* store.loadLinks(imp.id, [xid("p1"), xid("p2")])
            assert.deepStrictEqual([...links.values()].map((l) => l.contactId), [contacts[0]!.id, contacts[0]!.id])
          }))

        it.effect("re-keyed records move their links; deletions remove links and keep contacts", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, store } = yield* setup
            yield* store.commitPage(page([contact("old-1", "ada@example.com"), contact("old-2", "bob@example.com"), contact("gone", "cyd@example.com")]))
            const result = yield* store.commitPage(page(
              [contact("new-1", "ada@example.com", { previousExternalIds: [xid("old-1")], hash: "h-new" })],
              { deletions: [xid("gone"), xid("never-seen")] }
            ))
            assert.deepStrictEqual([result.added, result.updated, result.deleted], [0, 1, 1])
            const links = yield* store.loadLinks(imp.id, [xid("old-1"), xid("new-1"), xid("old-2"), xid("gone")])
            assert.deepStrictEqual([...links.keys()].sort(), [xid("new-1"), xid("old-2")])
            assert.deepStrictEqual(links.get(xid("new-1"))!.hash, "h-new")
            assert.strictEqual(yield* store.countContacts(accountId), 3, "the deleted record's contact stays")
          }))

        it.effect("skips are recorded with the run; findSkips answers by email (any case) or external id, newest first", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, runId, store } = yield* setup
            const skip = (id: string, mail: string | null) =>
              new Skip({ externalId: xid(id), reason: mail === null ? "MissingEmail" : "InvalidEmail", detail: "because", email: mail })
            yield* store.commitPage(page([], { skips: [skip("s1", "Not An Email@Example.com"), skip("s2", null)], now: new Date(3_000) }))
            const laterRun = yield* store.startRun(imp.id, "runner-1", new Date(4_000))
            yield* store.commitPage({ ...page([], { skips: [skip("s1", "not an email@example.COM")], now: new Date(5_000) }), runId: laterRun })
            assert.deepStrictEqual((yield* store.listSkips(runId)).map((s) => [s.externalId, s.reason, s.email]), [
              ["s1", "InvalidEmail", "Not An Email@Example.com"],
              ["s2", "MissingEmail", null]
            ])
            const found = yield* store.findSkips(accountId, "  NOT AN EMAIL@example.com ")
            assert.deepStrictEqual(found.map((s) => [s.runId, s.importId, s.at.getTime()]), [[laterRun, imp.id, 5_000], [runId, imp.id, 3_000]])
            assert.deepStrictEqual((yield* store.findSkips(accountId, "s2")).map((s) => s.reason), ["MissingEmail"])
            assert.deepStrictEqual(yield* store.findSkips(freshAccountId(), "s2"), [], "skips are per account")
          }))

        it.effect("hostile text round-trips through bound parameters; U+0000 is dropped", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, store } = yield* setup
            const company = (yield* store.ensureFields(accountId, google, fieldDefinitions)).get("company")!.id
            const nasty = "Robert'); DROP TABLE contacts;-- \" \\ % _ ? $1 :x"
            yield* store.commitPage(page([
              contact("x'; DELETE FROM import_links;--", "o'hara@example.com", {
                firstName: nasty,
                lastName: "ما شاء الله 👩‍👩‍👧‍👦",
                phone: "nul\u0000byte",
                fieldValues: [{ fieldId: company, value: "a\u0000b\u0000" }]
              })
            ]))
            const [c] = yield* store.listContacts({ accountId, email: "O'Hara@EXAMPLE.com" })
            assert.deepStrictEqual([c!.firstName, c!.lastName, c!.phone, c!.fields], [nasty, "ما شاء الله 👩‍👩‍👧‍👦", "nulbyte", { GOOGLE_CONTACTS_COMPANY: "ab" }])
            assert.strictEqual((yield* store.loadLinks(imp.id, [xid("x'; DELETE FROM import_links;--")])).size, 1)
            const renamed = yield* store.updateImport(imp.id, { name: "名前\u0000 😀", config: { token: "a\u0000b" } }, new Date(0))
            assert.deepStrictEqual([renamed.name, renamed.config], ["名前 😀", { token: "a\u0000b" }], "the encrypted config keeps every character")
          }))

        it.effect("a failure mid-page rolls the whole page back", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, store } = yield* setup
            yield* store.commitPage(page([contact("p1", "ada@example.com")], { cursor: "kept" }))
            const exit = yield* Effect.exit(store.commitPage(page([
              contact("p1", "ada@example.com", { firstName: "Changed", hash: "h2" }),
              contact("p2", "bob@example.com", { fieldValues: [{ fieldId: FieldId.make("999999999"), value: "no such field" }] })
            ], { cursor: "lost", deletions: [xid("p1")] })))
            assert.isTrue(Exit.isFailure(exit) && Cause.isDie(exit.cause), "a constraint failure is a defect")
            assert.deepStrictEqual((yield* store.listContacts({ accountId })).map((c) => [c.email, c.firstName]), [["ada@example.com", null]])
            assert.deepStrictEqual(yield* store.getCursor(imp.id), Option.some("kept"))
            assert.strictEqual((yield* store.loadLinks(imp.id, [xid("p1")])).get(xid("p1"))!.hash, "hash-p1-ada@example.com")
          }))

        it.effect("pages larger than one statement's chunk are written whole", () =>
          Effect.gen(function*() {
            const { accountId, imp, list, page, store } = yield* setup
            const company = (yield* store.ensureFields(accountId, google, fieldDefinitions)).get("company")!.id
            const n = 1_234
            const contacts = Array.from({ length: n }, (_, i) =>
              contact(`p${i}`, `user${i}@example.com`, { firstName: `U${i}`, fieldValues: [{ fieldId: company, value: `C${i}` }] }))
            const skips = Array.from({ length: 700 }, (_, i) => new Skip({ externalId: xid(`s${i}`), reason: "MissingEmail", detail: "-", email: null }))
            const result = yield* store.commitPage(page(contacts, { skips }))
            assert.deepStrictEqual([result.added, result.updated], [n, 0])
            assert.strictEqual(yield* store.countContacts(accountId), n)
            assert.strictEqual((yield* store.loadLinks(imp.id, contacts.map((c) => c.externalId))).size, n)
            const viewed = yield* store.listContacts({ accountId, listId: list.id, limit: 2_000 })
            assert.strictEqual(viewed.length, n)
            assert.deepStrictEqual(viewed[n - 1]!.fields, { GOOGLE_CONTACTS_COMPANY: `C${n - 1}` })
            const again = yield* store.commitPage(page(contacts.map((c) => ({ ...c, hash: "v2" }))))
            assert.deepStrictEqual([again.added, again.updated], [0, n])
          }))

        it.effect("concurrent pages of one account never exceed its limit", () =>
          Effect.gen(function*() {
            const a = yield* setup
            const imports = [a.imp, ...(yield* Effect.all(Array.from({ length: 3 }, (_, i) =>
              a.store.createImport({ accountId: a.accountId, connectorId: google.id, name: `i${i}`, config: {}, listIds: [] }, new Date(0)))))]
            yield* a.store.setContactLimit(a.accountId, 25)
            const results = yield* Effect.all(
              imports.map((imp, i) =>
                Effect.flatMap(i === 0 ? Effect.succeed({ runId: a.runId, lease: a.lease }) : begin(imp.id, "r"), (run) =>
                  a.store.commitPage({
                    ...a.page(Array.from({ length: 10 }, (_, j) => contact(`e${j}`, `i${i}-c${j}@example.com`))),
                    importId: imp.id,
                    ...run
                  }))),
              { concurrency: "unbounded" }
            )
            assert.strictEqual(results.reduce((n, r) => n + r.added, 0), 25)
            assert.strictEqual(results.reduce((n, r) => n + r.deferred.length, 0), 15)
            assert.strictEqual(yield* a.store.countContacts(a.accountId), 25)
          }))
      })

      describe("run history (R9)", () => {
        it.effect("startRun, finishRun, listRuns newest first, interruptStaleRuns", () =>
          Effect.gen(function*() {
            const { imp, runId, store } = yield* setup
            yield* store.finishRun(runId, { outcome: "batch-cap", stopTag: null, message: "batch cap reached", resynced: true, finishedAt: new Date(2_500) })
            const second = yield* store.startRun(imp.id, "runner-2", new Date(3_000))
            const third = yield* store.startRun(imp.id, "runner-2", new Date(4_000))
            assert.strictEqual(yield* store.interruptStaleRuns(imp.id, new Date(5_000)), 2)
            const runs = yield* store.listRuns(imp.id, 10)
            assert.deepStrictEqual(runs.map((r) => [r.id, r.outcome]), [[third, "interrupted"], [second, "interrupted"], [runId, "batch-cap"]])
            const first = runs[2]!
            assert.deepStrictEqual(
              [first.counts, first.resynced, first.message, first.owner, first.startedAt.getTime(), first.finishedAt?.getTime()],
              [RunCounts.zero, true, "batch cap reached", "runner-1", 2_000, 2_500]
            )
            assert.deepStrictEqual(yield* store.getRun(runId), first)
            assert.strictEqual(runs[0]!.finishedAt?.getTime(), 5_000)
            assert.deepStrictEqual((yield* store.listRuns(imp.id, 1)).map((r) => r.id), [third])
            assert.strictEqual(yield* store.interruptStaleRuns(imp.id, new Date(6_000)), 0)
          }))

        it.effect("a run's counts are written with each page: a run killed before it finished still adds up, skips included", () =>
          Effect.gen(function*() {
            const { accountId, imp, page, runId, store } = yield* setup
            yield* store.commitPage(page([contact("p1", "ada@example.com"), contact("p2", "bob@example.com")], {
              fetched: 4,
              skips: [new Skip({ externalId: xid("s1"), reason: "MissingEmail", detail: "-", email: null })],
              unchanged: [xid("p0")]
            }))
            yield* store.setContactLimit(accountId, 3)
            yield* store.commitPage(page([contact("p1", "ada@example.com", { hash: "h2" }), contact("p3", "cyd@example.com"), contact("p4", "dee@example.com")], {
              deletions: [xid("p2")]
            }))
            // The process dies here: no finishRun. The next holder marks the run interrupted.
            assert.strictEqual(yield* store.interruptStaleRuns(imp.id, new Date(9_000)), 1)
            const run = yield* store.getRun(runId)
            assert.strictEqual(run.outcome, "interrupted")
            assert.deepStrictEqual(run.counts, new RunCounts({ fetched: 7, added: 3, updated: 1, unchanged: 1, skipped: 1, deleted: 1, deferred: 1 }))
            assert.strictEqual(run.counts.added, yield* store.countContacts(accountId))
            assert.strictEqual((yield* store.listSkips(runId)).length, run.counts.skipped)
          }))
      })

      describe("listContacts", () => {
        it.effect("filters by normalized email and list; default limit 100; stable order by id", () =>
          Effect.gen(function*() {
            const { accountId, list, page, store } = yield* setup
            const leads = yield* store.ensureList(accountId, "Leads")
            yield* store.commitPage(page(Array.from({ length: 120 }, (_, i) => contact(`p${i}`, `u${i}@bücher.de`))))
            yield* store.commitPage(page([contact("q", "lead@example.com")], { listIds: [leads.id] }))
            const all = yield* store.listContacts({ accountId })
            assert.strictEqual(all.length, 100)
            assert.deepStrictEqual(all.map((c) => Number(c.id)), all.map((c) => Number(c.id)).sort((x, y) => x - y))
            assert.deepStrictEqual((yield* store.listContacts({ accountId, email: " U7@XN--BCHER-KVA.DE " })).map((c) => c.email), ["u7@bücher.de"])
            assert.deepStrictEqual((yield* store.listContacts({ accountId, email: "not an email" })), [])
            assert.deepStrictEqual((yield* store.listContacts({ accountId, listId: leads.id })).map((c) => c.email), ["lead@example.com"])
            assert.strictEqual((yield* store.listContacts({ accountId, listId: list.id, limit: 500 })).length, 120)
            assert.deepStrictEqual(yield* store.listContacts({ accountId, listId: ListId.make("nope") }), [])
            assert.strictEqual((yield* store.listContacts({ accountId, limit: 3 })).length, 3)
          }))

        it.effect("countMatchingContacts counts what listContacts would list without its limit", () =>
          Effect.gen(function*() {
            const { accountId, list, page, store } = yield* setup
            const leads = yield* store.ensureList(accountId, "Leads")
            yield* store.commitPage(page(Array.from({ length: 130 }, (_, i) => contact(`p${i}`, `u${i}@example.com`))))
            yield* store.commitPage(page([contact("q", "lead@example.com")], { listIds: [leads.id] }))
            assert.strictEqual(yield* store.countMatchingContacts({ accountId }), 131)
            assert.strictEqual(yield* store.countMatchingContacts({ accountId, listId: list.id }), 130)
            assert.strictEqual(yield* store.countMatchingContacts({ accountId, listId: leads.id }), 1)
            assert.strictEqual(yield* store.countMatchingContacts({ accountId, email: " U7@EXAMPLE.COM " }), 1)
            assert.strictEqual(yield* store.countMatchingContacts({ accountId, email: "nobody@example.com" }), 0)
            assert.strictEqual(yield* store.countMatchingContacts({ accountId, listId: ListId.make("nope") }), 0)
            assert.strictEqual(yield* store.countMatchingContacts({ accountId: freshAccountId() }), 0, "other accounts' contacts are not counted")
          }))
      })
    })
  })

