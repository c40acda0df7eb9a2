/** Accounts, their contact limit (R4) and their lists. */
import type * as SqlClient from "@effect/sql/SqlClient"
import { Account, type AccountId, List, ListId } from "@autoimport/core/Domain"
import type { StoreShape } from "@autoimport/core/Store"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Sql from "./sql.js"

const AccountRow = Schema.Struct({
  id: Sql.Trusted("@autoimport/AccountId"),
  contact_limit: Schema.NullOr(Sql.Int),
  contact_count: Sql.Int,
  deferred_count: Sql.Int
})
const LimitRow = Schema.Struct({ contact_limit: Schema.NullOr(Sql.Int) })
const ListRow = Schema.Struct({ id: Sql.Id(ListId), account_id: Sql.Trusted("@autoimport/AccountId"), name: Schema.String })
const KeyRow = Schema.Struct({ id: Sql.Id(ListId) })

const toList = (row: typeof ListRow.Type) => new List({ id: row.id, accountId: row.account_id, name: row.name })

export const make = (sql: SqlClient.SqlClient) => {
  const insertAccountIfMissing = (id: AccountId) =>
    sql`INSERT INTO accounts (id) VALUES (${id}) ON CONFLICT (id) DO NOTHING`

  /**
   * Serializes writers of one account until the transaction ends and returns its limit.
   * Postgres locks the row (NO KEY UPDATE: still conflicting with itself, but not with the
   * key-share locks of inserts that merely reference the account). SQLite's transactions begin deferred, and a transaction that
   * read first and writes later fails at once (SQLITE_BUSY_SNAPSHOT) when another process
   * wrote in between; writing first takes the database's write lock up front, waiting out
   * busy_timeout like BEGIN IMMEDIATE would.
   */
  const lockAccount = (id: AccountId) =>
    sql.onDialectOrElse({
      pg: () => sql`SELECT contact_limit FROM accounts WHERE id = ${id} FOR NO KEY UPDATE`,
      orElse: () => sql`UPDATE accounts SET contact_limit = contact_limit WHERE id = ${id} RETURNING contact_limit`
    }).pipe(
      Sql.rows(LimitRow),
      Effect.flatMap((rows) =>
        rows.length === 0 ? Effect.dieMessage(`account ${id} does not exist`) : Effect.succeed(rows[0]!.contact_limit)
      )
    )

  const selectAccount = (id: AccountId) =>
    sql`
      SELECT a.id, a.contact_limit, (SELECT count(*) FROM contacts c WHERE c.account_id = a.id) AS contact_count,
        (SELECT count(*) FROM deferred_records d JOIN imports i ON i.id = d.import_id
          WHERE i.account_id = a.id AND i.deleted_at IS NULL) AS deferred_count
      FROM accounts a WHERE a.id = ${id}`.pipe(
      Sql.rows(AccountRow),
      Effect.map((rows) =>
        Option.map(Option.fromNullable(rows[0]), (row) =>
          new Account({
            id: row.id,
            contactLimit: row.contact_limit,
            contactCount: row.contact_count,
            deferredCount: row.deferred_count
          }))
      )
    )

  const existingAccount = (id: AccountId) =>
    Effect.flatMap(selectAccount(id), (account) =>
      Option.match(account, {
        onNone: () => Effect.dieMessage(`account ${id} vanished while it was being written`),
        onSome: Effect.succeed
      }))

  const setContactLimit: StoreShape["setContactLimit"] = (id, limit) => {
    if (limit !== null && !(Number.isSafeInteger(limit) && limit >= 0)) {
      return Effect.dieMessage(`contact limit of account ${id} must be a non-negative integer or null, got ${limit}`)
    }
    return Effect.zipRight(
      sql`INSERT INTO accounts (id, contact_limit) VALUES (${id}, ${limit})
        ON CONFLICT (id) DO UPDATE SET contact_limit = excluded.contact_limit`,
      existingAccount(id)
    ).pipe(Sql.orDie)
  }

  const ensureList: StoreShape["ensureList"] = (accountId, name) => {
    const clean = Sql.text(name)
    return Effect.gen(function*() {
      yield* insertAccountIfMissing(accountId)
      yield* sql`INSERT INTO lists (account_id, name) VALUES (${accountId}, ${clean})
        ON CONFLICT (account_id, name) DO NOTHING`
      const rows = yield* sql`SELECT id, account_id, name FROM lists WHERE account_id = ${accountId} AND name = ${clean}`
        .pipe(Sql.rows(ListRow))
      return toList(rows[0]!)
    }).pipe(Sql.orDie)
  }

  /** Lists an import may target: the account's own; anything else is a caller's bug. */
  const checkLists = (accountId: AccountId, listIds: ReadonlyArray<ListId>) =>
    Effect.gen(function*() {
      const keys = listIds.flatMap((id) => Sql.idKey(id) ?? [])
      const found = new Set<string>()
      if (keys.length > 0) {
        const rows = yield* sql`SELECT id FROM lists WHERE account_id = ${accountId} AND ${sql.in("id", keys)}`
          .pipe(Sql.rows(KeyRow))
        for (const row of rows) found.add(row.id)
      }
      const missing = listIds.filter((id) => !found.has(id))
      if (missing.length > 0) {
        return yield* Effect.dieMessage(`list(s) ${missing.join(", ")} do not exist in account ${accountId}`)
      }
    })

  return {
    insertAccountIfMissing,
    lockAccount,
    checkLists,
    store: {
      ensureAccount: (id) => Effect.zipRight(insertAccountIfMissing(id), existingAccount(id)).pipe(Sql.orDie),
      getAccount: (id) => Sql.orDie(selectAccount(id)),
      setContactLimit,
      ensureList,
      listLists: (accountId) =>
        sql`SELECT id, account_id, name FROM lists WHERE account_id = ${accountId} ORDER BY id`.pipe(
          Sql.rows(ListRow),
          Effect.map((rows) => rows.map(toList)),
          Sql.orDie
        )
    } satisfies Pick<StoreShape, "ensureAccount" | "getAccount" | "setContactLimit" | "ensureList" | "listLists">
  }
}
