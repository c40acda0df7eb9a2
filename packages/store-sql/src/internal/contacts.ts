/** Contacts as users see them: queries, counts, and unsubscribing (R6). */
import type * as SqlClient from "@effect/sql/SqlClient"
import { type AccountId, ContactId, ContactView, ListId, MembershipStatus } from "@autoimport/core/Domain"
import * as Email from "@autoimport/core/Email"
import type { ContactQuery, StoreShape } from "@autoimport/core/Store"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as Sql from "./sql.js"

const CountRow = Schema.Struct({ n: Sql.Int })
const ContactRow = Schema.Struct({
  id: Sql.Id(ContactId),
  email: Sql.Trusted("@autoimport/NormalizedEmail"),
  first_name: Schema.NullOr(Schema.String),
  last_name: Schema.NullOr(Schema.String),
  phone: Schema.NullOr(Schema.String),
  created_at: Sql.Millis,
  updated_at: Sql.Millis
})
const ValueRow = Schema.Struct({ contact_id: Sql.Id(ContactId), tag: Schema.String, value: Schema.String })
const MembershipRow = Schema.Struct({
  contact_id: Sql.Id(ContactId),
  list_id: Sql.Id(ListId),
  name: Schema.String,
  status: MembershipStatus
})
const KeyRow = Schema.Struct({ id: Sql.Int })

export const make = (sql: SqlClient.SqlClient) => {
  const countOf = (accountId: AccountId) =>
    sql`SELECT count(*) AS n FROM contacts WHERE account_id = ${accountId}`.pipe(
      Sql.rows(CountRow),
      Effect.map((rows) => rows[0]!.n)
    )

  /** The WHERE clause of a contact query; undefined when it can match nothing (a list id that names no row). */
  const contactFilters = (query: Omit<ContactQuery, "limit">) => {
    const filters = [sql`c.account_id = ${query.accountId}`]
    if (query.email !== undefined) {
      filters.push(sql`c.email = ${Either.getOrElse(Email.normalize(query.email), () => Sql.text(query.email!))}`)
    }
    if (query.listId !== undefined) {
      const listKey = Sql.idKey(query.listId)
      if (listKey === undefined) return undefined
      filters.push(sql`EXISTS (SELECT 1 FROM contact_lists m WHERE m.contact_id = c.id AND m.list_id = ${listKey})`)
    }
    return filters
  }

  const listContacts: StoreShape["listContacts"] = (query) =>
    Effect.gen(function*() {
      const limit = query.limit ?? 100
      if (!(Number.isSafeInteger(limit) && limit >= 0)) {
        return yield* Effect.dieMessage(`contact query limit must be a non-negative integer, got ${limit}`)
      }
      const filters = contactFilters(query)
      if (filters === undefined) return []
      const rows = yield* sql`SELECT c.id, c.email, c.first_name, c.last_name, c.phone, c.created_at, c.updated_at
        FROM contacts c WHERE ${sql.and(filters)} ORDER BY c.id LIMIT ${limit}`.pipe(Sql.rows(ContactRow))
      const fields = new Map<string, Record<string, string>>()
      const lists = new Map<string, Array<{ listId: ListId; name: string; status: MembershipStatus }>>()
      for (const batch of Sql.chunks(rows.map((r) => Number(r.id)))) {
        const values = yield* sql`
          SELECT v.contact_id, f.tag, v.value FROM field_values v JOIN custom_fields f ON f.id = v.field_id
          WHERE ${sql.in("v.contact_id", batch)}`.pipe(Sql.rows(ValueRow))
        for (const v of values) fields.set(v.contact_id, { ...fields.get(v.contact_id), [v.tag]: v.value })
        const memberships = yield* sql`
          SELECT m.contact_id, m.list_id, l.name, m.status FROM contact_lists m JOIN lists l ON l.id = m.list_id
          WHERE ${sql.in("m.contact_id", batch)} ORDER BY m.list_id`.pipe(Sql.rows(MembershipRow))
        for (const m of memberships) {
          lists.set(m.contact_id, [...(lists.get(m.contact_id) ?? []), { listId: m.list_id, name: m.name, status: m.status }])
        }
      }
      return rows.map((row) =>
        new ContactView({
          id: row.id,
          email: row.email,
          firstName: row.first_name,
          lastName: row.last_name,
          phone: row.phone,
          fields: fields.get(row.id) ?? {},
          lists: lists.get(row.id) ?? [],
          createdAt: row.created_at,
          updatedAt: row.updated_at
        })
      )
    }).pipe(Sql.orDie)

  const unsubscribe: StoreShape["unsubscribe"] = (accountId, email, listId) =>
    sql.withTransaction(Effect.gen(function*() {
      const [contact] = yield* sql`SELECT id FROM contacts WHERE account_id = ${accountId} AND email = ${email}`
        .pipe(Sql.rows(KeyRow))
      if (contact === undefined) return false
      const contactKey = contact.id
      if (listId === undefined) {
        yield* sql`UPDATE contact_lists SET status = 'unsubscribed' WHERE contact_id = ${contactKey}`
        return true
      }
      const listKey = Sql.idKey(listId)
      if (listKey === undefined) return false
      const [list] = yield* sql`SELECT id FROM lists WHERE id = ${listKey} AND account_id = ${accountId}`
      if (list === undefined) return false
      // Recorded even without a membership: a later import must not subscribe the contact (R6).
      yield* sql`INSERT INTO contact_lists (contact_id, list_id, status) VALUES (${contactKey}, ${listKey}, 'unsubscribed')
        ON CONFLICT (contact_id, list_id) DO UPDATE SET status = 'unsubscribed'`
      return true
    })).pipe(Sql.orDie)

  return {
    countOf,
    store: {
      listContacts,
      countContacts: (accountId) => Sql.orDie(countOf(accountId)),
      countMatchingContacts: (query) =>
        Effect.gen(function*() {
          const filters = contactFilters(query)
          if (filters === undefined) return 0
          const rows = yield* sql`SELECT COUNT(*) AS n FROM contacts c WHERE ${sql.and(filters)}`.pipe(Sql.rows(CountRow))
          return rows[0]?.n ?? 0
        }).pipe(Sql.orDie),
      unsubscribe
    } satisfies Pick<StoreShape, "listContacts" | "countContacts" | "countMatchingContacts" | "unsubscribe">
  }
}
