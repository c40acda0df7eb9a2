/** Custom fields (R3): named once per account, stable per connector and key. */
import type * as SqlClient from "@effect/sql/SqlClient"
import { type AccountId, CustomField, FieldId, FieldType } from "@autoimport/core/Domain"
import * as Naming from "@autoimport/core/Naming"
import type { StoreShape } from "@autoimport/core/Store"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Sql from "./sql.js"

const FieldRow = Schema.Struct({
  id: Sql.Id(FieldId),
  account_id: Sql.Trusted("@autoimport/AccountId"),
  title: Schema.String,
  title_key: Schema.String,
  tag: Schema.String,
  connector_id: Schema.NullOr(Sql.Trusted("@autoimport/ConnectorId")),
  field_key: Schema.NullOr(Schema.String),
  type: FieldType
})

const toField = (row: typeof FieldRow.Type) =>
  new CustomField({
    id: row.id,
    accountId: row.account_id,
    title: row.title,
    tag: row.tag,
    connectorId: row.connector_id,
    key: row.field_key,
    type: row.type
  })

export const make = (
  sql: SqlClient.SqlClient,
  accounts: {
    readonly insertAccountIfMissing: (id: AccountId) => Effect.Effect<unknown, Sql.SqlError>
    readonly lockAccount: (id: AccountId) => Effect.Effect<unknown, Sql.SqlError | Sql.ParseError>
  }
) => {
  const columns = sql.literal("id, account_id, title, title_key, tag, connector_id, field_key, type")

  const ensureFieldsOnce = (...[accountId, connector, definitions]: Parameters<StoreShape["ensureFields"]>) =>
    sql.withTransaction(Effect.gen(function*() {
      yield* accounts.insertAccountIfMissing(accountId)
      yield* accounts.lockAccount(accountId)
      const rows = yield* sql`SELECT ${columns} FROM custom_fields WHERE account_id = ${accountId}`.pipe(Sql.rows(FieldRow))
      const taken = { titles: new Set(rows.map((r) => r.title_key)), tags: new Set(rows.map((r) => r.tag)) }
      const result = new Map<string, CustomField>()
      for (const definition of definitions) {
        const own = rows.find((r) => r.connector_id === connector.id && r.field_key === definition.key)
        if (own !== undefined) {
          result.set(definition.key, toField(own))
          continue
        }
        const name = Naming.resolveFieldName(Sql.text(connector.name), Sql.text(definition.label), taken)
        taken.titles.add(name.title.toLowerCase())
        taken.tags.add(name.tag)
        const [created] = yield* sql`INSERT INTO custom_fields ${
          sql.insert({
            account_id: accountId,
            title: name.title,
            title_key: name.title.toLowerCase(),
            tag: name.tag,
            connector_id: connector.id,
            field_key: definition.key,
            type: definition.type
          })
        } RETURNING ${columns}`.pipe(Sql.rows(FieldRow))
        result.set(definition.key, toField(created!))
      }
      return result as ReadonlyMap<string, CustomField>
    }))

  return {
    listFields: (accountId) =>
      sql`SELECT ${columns} FROM custom_fields WHERE account_id = ${accountId} ORDER BY id`.pipe(
        Sql.rows(FieldRow),
        Effect.map((rows) => rows.map(toField)),
        Sql.orDie
      ),
    // The account lock already serializes ensureFields; the retry covers a field inserted by a
    // writer that does not take it (e.g. a user's field made by hand in another process).
    ensureFields: (accountId, connector, definitions) =>
      ensureFieldsOnce(accountId, connector, definitions).pipe(
        Effect.catchIf(Sql.isUniqueViolation, () => ensureFieldsOnce(accountId, connector, definitions)),
        Sql.orDie
      )
  } satisfies Pick<StoreShape, "listFields" | "ensureFields">
}
