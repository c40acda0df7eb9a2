/**
 * The write path: one page of a sync committed in one transaction, fenced by the import's lease
 * (R10), under the account's contact limit (R4, R5: new contacts over it are deferred).
 */
import type * as SqlClient from "@effect/sql/SqlClient"
import type { AccountId, FieldId, ImportId } from "@autoimport/core/Domain"
import type { LeaseLost } from "@autoimport/core/Errors"
import type { ContactWrite, DeferredRecord, PageResult, PageWrite, StoreShape } from "@autoimport/core/Store"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Deferred from "./deferred.js"
import * as Runs from "./runs.js"
import * as Sql from "./sql.js"

const EmailRow = Schema.Struct({ email: Schema.String })
const ContactKeyRow = Schema.Struct({ id: Sql.Int, email: Schema.String })
const DeferredRow = Schema.Struct({ external_id: Schema.String, record: Schema.String })
const CountRow = Schema.Struct({ n: Sql.Int })

export const make = (
  sql: SqlClient.SqlClient,
  accounts: { readonly lockAccount: (id: AccountId) => Effect.Effect<number | null, Sql.SqlError | Sql.ParseError> },
  syncState: {
    readonly fence: (id: ImportId, key: number, token: number) => Effect.Effect<void, LeaseLost | Sql.SqlError | Sql.ParseError>
  },
  contacts: { readonly countOf: (id: AccountId) => Effect.Effect<number, Sql.SqlError | Sql.ParseError> }
) => {
  /** A contact as the page leaves it, after applying its records in source order. */
  interface PendingContact {
    firstName: string | undefined
    lastName: string | undefined
    phone: string | undefined
    readonly fields: Map<FieldId, string | null>
  }

  /** The service re-keyed a record: its link moves, unless the new id is already linked. */
  const moveLinks = (importKey: number, write: ContactWrite) =>
    Effect.gen(function*() {
      const to = Sql.text(write.externalId)
      const from = Sql.unique(write.previousExternalIds.map(Sql.text)).filter((id) => id !== to)
      if (from.length === 0) return
      const target = yield* sql`SELECT 1 FROM import_links WHERE import_id = ${importKey} AND external_id = ${to}`
      if (target.length === 0) {
        yield* sql`UPDATE import_links SET external_id = ${to}
          WHERE import_id = ${importKey} AND external_id = ${from[0]!}`
      }
      yield* sql`DELETE FROM import_links WHERE import_id = ${importKey} AND ${sql.in("external_id", from)}`
    })

  const commitPage = (write: PageWrite): Effect.Effect<PageResult, LeaseLost> =>
    sql.withTransaction(Effect.gen(function*() {
      const importKey = yield* Sql.requireKey(write.importId, "import")
      const runKey = yield* Sql.requireKey(write.runId, "run")
      const now = write.now.getTime()
      const limit = yield* accounts.lockAccount(write.accountId)
      yield* syncState.fence(write.importId, importKey, write.lease)

      for (const contact of write.contacts) {
        if (contact.previousExternalIds.length > 0) yield* moveLinks(importKey, contact)
      }

      let deleted = 0
      for (const ids of Sql.chunks(Sql.unique(write.deletions.map(Sql.text)))) {
        const rows = yield* sql`DELETE FROM import_links
          WHERE import_id = ${importKey} AND ${sql.in("external_id", ids)} RETURNING external_id`
        deleted += rows.length
      }

      const existing = new Set<string>()
      for (const emails of Sql.chunks(Sql.unique(write.contacts.map((c) => c.email)))) {
        const rows = yield* sql`SELECT email FROM contacts
          WHERE account_id = ${write.accountId} AND ${sql.in("email", emails)}`.pipe(Sql.rows(EmailRow))
        for (const row of rows) existing.add(row.email)
      }
      let count = limit === null ? 0 : yield* contacts.countOf(write.accountId)

      const pending = new Map<string, PendingContact>()
      const links = new Map<string, { email: string; hash: string }>()
      const deferred: Array<ContactWrite> = []
      let added = 0
      let updated = 0
      for (const contact of write.contacts) {
        let target = pending.get(contact.email)
        if (target === undefined) {
          if (existing.has(contact.email)) {
            updated++
          } else if (limit !== null && count >= limit) {
            deferred.push(contact)
            continue
          } else {
            count++
            added++
          }
          target = { firstName: undefined, lastName: undefined, phone: undefined, fields: new Map() }
          pending.set(contact.email, target)
        } else {
          updated++
        }
        if (contact.firstName !== undefined) target.firstName = Sql.text(contact.firstName)
        if (contact.lastName !== undefined) target.lastName = Sql.text(contact.lastName)
        if (contact.phone !== undefined) target.phone = Sql.text(contact.phone)
        for (const { fieldId, value } of contact.fieldValues) {
          target.fields.set(fieldId, value === null ? null : Sql.text(value))
        }
        const externalId = Sql.text(contact.externalId)
        links.delete(externalId)
        links.set(externalId, { email: contact.email, hash: contact.hash })
      }

      // New and existing contacts in one upsert: COALESCE keeps a column the page left undefined.
      const contactIds = new Map<string, number>()
      for (const batch of Sql.chunks([...pending])) {
        const rows = yield* sql`INSERT INTO contacts ${
          sql.insert(batch.map(([email, c]) => ({
            account_id: write.accountId,
            email,
            first_name: c.firstName ?? null,
            last_name: c.lastName ?? null,
            phone: c.phone ?? null,
            created_at: now,
            updated_at: now
          })))
        } ON CONFLICT (account_id, email) DO UPDATE SET
            first_name = COALESCE(excluded.first_name, contacts.first_name),
            last_name = COALESCE(excluded.last_name, contacts.last_name),
            phone = COALESCE(excluded.phone, contacts.phone),
            updated_at = excluded.updated_at
          RETURNING id, email`.pipe(Sql.rows(ContactKeyRow))
        for (const row of rows) contactIds.set(row.email, row.id)
      }
      const idOf = (email: string) => {
        const id = contactIds.get(email)
        if (id === undefined) throw new Error(`contact ${email} was written but its id did not come back`)
        return id
      }

      const values: Array<{ contact_id: number; field_id: number; value: string }> = []
      const cleared = new Map<number, Array<number>>()
      for (const [email, contact] of pending) {
        for (const [fieldId, value] of contact.fields) {
          const fieldKey = Number(fieldId)
          if (value !== null) values.push({ contact_id: idOf(email), field_id: fieldKey, value })
          // A contact created by this page has no values to delete.
          else if (existing.has(email)) {
            const ids = cleared.get(fieldKey)
            if (ids === undefined) cleared.set(fieldKey, [idOf(email)])
            else ids.push(idOf(email))
          }
        }
      }
      for (const batch of Sql.chunks(values)) {
        yield* sql`INSERT INTO field_values ${sql.insert(batch)}
          ON CONFLICT (contact_id, field_id) DO UPDATE SET value = excluded.value`
      }
      for (const [fieldKey, ids] of cleared) {
        for (const batch of Sql.chunks(ids)) {
          yield* sql`DELETE FROM field_values WHERE field_id = ${fieldKey} AND ${sql.in("contact_id", batch)}`
        }
      }

      // R6: a membership that exists is left alone, so an unsubscribed contact stays unsubscribed.
      const listKeys = write.listIds.map(Number)
      const memberships = [...contactIds.values()].flatMap((contactId) =>
        listKeys.map((listId) => ({ contact_id: contactId, list_id: listId, status: "active" }))
      )
      for (const batch of Sql.chunks(memberships)) {
        yield* sql`INSERT INTO contact_lists ${sql.insert(batch)} ON CONFLICT (contact_id, list_id) DO NOTHING`
      }

      for (const batch of Sql.chunks([...links])) {
        yield* sql`INSERT INTO import_links ${
          sql.insert(batch.map(([externalId, link]) => ({
            import_id: importKey,
            external_id: externalId,
            contact_id: idOf(link.email),
            hash: link.hash
          })))
        } ON CONFLICT (import_id, external_id) DO UPDATE SET contact_id = excluded.contact_id, hash = excluded.hash`
      }

      for (const batch of Sql.chunks(write.skips)) {
        yield* sql`INSERT INTO run_skips ${sql.insert(batch.map((skip) => Runs.skipRow(runKey, importKey, skip, now)))}`
      }

      yield* settleDeferred(importKey, write, deferred, now)

      // The run's counts move with its pages, so a run killed before it finished still adds up.
      yield* sql`UPDATE sync_runs SET
          fetched = fetched + ${write.fetched},
          added = added + ${added},
          updated = updated + ${updated},
          unchanged = unchanged + ${write.unchanged.length},
          skipped = skipped + ${write.skips.length},
          deleted = deleted + ${deleted},
          deferred = deferred + ${deferred.length}
        WHERE id = ${runKey}`

      if (Option.isSome(write.cursor)) {
        yield* sql`UPDATE import_state SET cursor = ${JSON.stringify(write.cursor.value ?? null)} WHERE import_id = ${importKey}`
      }
      return { added, updated, deleted, deferred: deferred.map((c) => c.externalId) }
    })).pipe(Sql.orDie)

  /**
   * The page is the newest word on each record it names: a deferred copy of any of them (also
   * under an id the service re-keyed from) is dropped, then the records deferred now are
   * stored, replacing older versions in place so that they keep their turn.
   */
  const settleDeferred = (importKey: number, write: PageWrite, deferred: ReadonlyArray<ContactWrite>, now: number) =>
    Effect.gen(function*() {
      const stillDeferred = new Set(deferred.map((c) => Sql.text(c.externalId)))
      const named = Sql.unique([
        ...write.contacts.flatMap((c) => [c.externalId, ...c.previousExternalIds]),
        ...write.deletions,
        ...write.skips.map((s) => s.externalId),
        ...write.unchanged
      ].map(Sql.text)).filter((id) => !stillDeferred.has(id))
      for (const ids of Sql.chunks(named)) {
        yield* sql`DELETE FROM deferred_records WHERE import_id = ${importKey} AND ${sql.in("external_id", ids)}`
      }
      for (const batch of Sql.chunks(deferred)) {
        yield* sql`INSERT INTO deferred_records ${
          sql.insert(batch.map((c) => ({
            import_id: importKey,
            external_id: Sql.text(c.externalId),
            email: c.email,
            record: Deferred.encode(c),
            hash: c.hash,
            deferred_at: now
          })))
        } ON CONFLICT (import_id, external_id) DO UPDATE SET
            email = excluded.email, record = excluded.record, hash = excluded.hash`
      }
    })

  const loadDeferred: StoreShape["loadDeferred"] = (importId, limit) =>
    Effect.gen(function*() {
      const key = yield* Sql.requireKey(importId, "import")
      const rows = yield* sql`SELECT external_id, record FROM deferred_records
        WHERE import_id = ${key} ORDER BY id LIMIT ${limit}`.pipe(Sql.rows(DeferredRow))
      return rows.map((row): DeferredRecord => Deferred.decode(row.external_id, row.record))
    }).pipe(Sql.orDie)

  const countDeferred: StoreShape["countDeferred"] = (importId) =>
    Effect.flatMap(Sql.requireKey(importId, "import"), (key) =>
      sql`SELECT count(*) AS n FROM deferred_records WHERE import_id = ${key}`).pipe(
        Sql.rows(CountRow),
        Effect.map((rows) => rows[0]!.n),
        Sql.orDie
      )

  return {
    commitPage,
    loadDeferred,
    countDeferred
  } satisfies Pick<StoreShape, "commitPage" | "loadDeferred" | "countDeferred">
}
