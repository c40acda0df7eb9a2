/** Imports, with their config encrypted at rest (see src/Credentials.ts). */
import type * as SqlClient from "@effect/sql/SqlClient"
import { type AccountId, Import, ImportId, ImportStatus, type ListId } from "@autoimport/core/Domain"
import { ImportNotFound } from "@autoimport/core/Errors"
import type { StoreShape } from "@autoimport/core/Store"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Credentials from "../Credentials.js"
import * as Sql from "./sql.js"

const ImportRow = Schema.Struct({
  id: Sql.Id(ImportId),
  account_id: Sql.Trusted("@autoimport/AccountId"),
  connector_id: Sql.Trusted("@autoimport/ConnectorId"),
  name: Schema.String,
  config: Schema.String,
  list_ids: Schema.parseJson(Schema.Array(Sql.Trusted("@autoimport/ListId"))),
  status: ImportStatus,
  status_reason: Schema.NullOr(Schema.String),
  created_at: Sql.Millis,
  updated_at: Sql.Millis,
  deleted_at: Schema.NullOr(Sql.Millis)
})
type ImportRow = typeof ImportRow.Type
const KeyRow = Schema.Struct({ id: Sql.Id(ImportId) })

const configContext = (id: string) => `autoimport import ${id} config`

export const make = (
  sql: SqlClient.SqlClient,
  credentials: Credentials.CredentialsShape,
  accounts: {
    readonly insertAccountIfMissing: (id: AccountId) => Effect.Effect<unknown, Sql.SqlError>
    readonly checkLists: (id: AccountId, listIds: ReadonlyArray<ListId>) => Effect.Effect<void, Sql.SqlError | Sql.ParseError>
  }
) => {
  const columns = sql.literal(
    "id, account_id, connector_id, name, config, list_ids, status, status_reason, created_at, updated_at, deleted_at"
  )

  const encryptConfig = (id: string, config: unknown) => {
    const json = JSON.stringify(config)
    if (json === undefined) throw new Error(`import ${id} config is not JSON-encodable`)
    return credentials.encrypt(json, configContext(id))
  }

  // Throws (a defect) when the key does not open the config: nothing can go on without it.
  const toImport = (row: ImportRow) => {
    const json = credentials.decrypt(row.config, configContext(row.id))
    if (json === undefined) throw new Credentials.CredentialsKeyMismatch({ importId: row.id })
    return new Import({
      id: row.id,
      accountId: row.account_id,
      connectorId: row.connector_id,
      name: row.name,
      config: JSON.parse(json),
      listIds: row.list_ids,
      status: row.status,
      statusReason: row.status_reason,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      deletedAt: row.deleted_at
    })
  }

  const findImport = (id: ImportId, includeDeleted = false) => {
    const key = Sql.idKey(id)
    if (key === undefined) return Effect.fail(new ImportNotFound({ importId: id }))
    return sql`SELECT ${columns} FROM imports
      WHERE id = ${key} AND (${includeDeleted ? 1 : 0} = 1 OR deleted_at IS NULL)`.pipe(
      Sql.rows(ImportRow),
      Effect.flatMap((rows) =>
        rows.length === 0 ? Effect.fail(new ImportNotFound({ importId: id })) : Effect.succeed(rows[0]!)
      )
    )
  }

  const createImport: StoreShape["createImport"] = (input, now) =>
    sql.withTransaction(Effect.gen(function*() {
      yield* accounts.insertAccountIfMissing(input.accountId)
      yield* accounts.checkLists(input.accountId, input.listIds)
      const at = now.getTime()
      // The id is the ciphertext's authenticated context, so the config is written once the id exists.
      const [row] = yield* sql`INSERT INTO imports ${
        sql.insert({
          account_id: input.accountId,
          connector_id: input.connectorId,
          name: Sql.text(input.name),
          config: "",
          list_ids: JSON.stringify(input.listIds),
          status: "active",
          status_reason: null,
          created_at: at,
          updated_at: at
        })
      } RETURNING id`.pipe(Sql.rows(KeyRow))
      const id = row!.id
      yield* sql`UPDATE imports SET config = ${encryptConfig(id, input.config)} WHERE id = ${Number(id)}`
      yield* sql`INSERT INTO import_state (import_id) VALUES (${Number(id)})`
      const [created] = yield* sql`SELECT ${columns} FROM imports WHERE id = ${Number(id)}`.pipe(Sql.rows(ImportRow))
      return toImport(created!)
    })).pipe(Sql.orDie)

  const updateImport: StoreShape["updateImport"] = (id, patch, now) =>
    sql.withTransaction(Effect.gen(function*() {
      const current = toImport(yield* findImport(id))
      if (patch.listIds !== undefined) yield* accounts.checkLists(current.accountId, patch.listIds)
      const key = Number(current.id)
      yield* sql`UPDATE imports SET ${
        sql.update({
          name: patch.name === undefined ? current.name : Sql.text(patch.name),
          config: encryptConfig(current.id, patch.config === undefined ? current.config : patch.config),
          list_ids: JSON.stringify(patch.listIds ?? current.listIds),
          status: patch.status ?? current.status,
          status_reason: patch.statusReason === undefined
            ? current.statusReason
            : patch.statusReason === null
            ? null
            : Sql.text(patch.statusReason),
          updated_at: now.getTime()
        })
      } WHERE id = ${key}`
      return toImport(yield* findImport(id))
    })).pipe(Sql.orDie)

  // The epoch moves on so that a sync still running for the import commits nothing more.
  const deleteImport: StoreShape["deleteImport"] = (id) =>
    sql.withTransaction(Effect.gen(function*() {
      const row = yield* findImport(id)
      const key = Number(row.id)
      const now = yield* Clock.currentTimeMillis
      yield* sql`UPDATE imports SET deleted_at = ${now} WHERE id = ${key}`
      yield* sql`UPDATE import_state SET lease_owner = NULL, lease_until = NULL, lease_epoch = lease_epoch + 1
        WHERE import_id = ${key}`
      yield* sql`DELETE FROM deferred_records WHERE import_id = ${key}`
    })).pipe(Sql.orDie)

  return {
    findImport,
    store: {
      createImport,
      getImport: (id, options) => findImport(id, options?.includeDeleted === true).pipe(Effect.map(toImport), Sql.orDie),
      listImports: (accountId, options) =>
        sql`SELECT ${columns} FROM imports WHERE ${
          sql.and([
            options?.includeDeleted === true ? sql`1 = 1` : sql`deleted_at IS NULL`,
            ...(accountId === undefined ? [] : [sql`account_id = ${accountId}`])
          ])
        } ORDER BY id`.pipe(Sql.rows(ImportRow), Effect.map((rows) => rows.map(toImport)), Sql.orDie),
      updateImport,
      deleteImport
    } satisfies Pick<StoreShape, "createImport" | "getImport" | "listImports" | "updateImport" | "deleteImport">
  }
}
