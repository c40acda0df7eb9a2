/**
 * The core `Store` on @effect/sql, for SQLite (the embedded default) and Postgres. One
 * implementation serves both dialects; where they differ (row locks, generated keys) the
 * difference is spelled out at the statement.
 *
 * Text values are bound as parameters, never spliced into SQL. Postgres rejects U+0000 in text,
 * so the store strips it from every text it writes, on both dialects alike.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import type * as Migrator from "@effect/sql/Migrator"
import * as SqlClient from "@effect/sql/SqlClient"
import type { SqlError } from "@effect/sql/SqlError"
import * as PgClient from "@effect/sql-pg/PgClient"
import * as SqliteClient from "@effect/sql-sqlite-node/SqliteClient"
import {
  Account,
  type AccountId,
  type ConnectorId,
  type ContactId,
  ContactView,
  CustomField,
  type ExternalId,
  type FieldDefinition,
  type FieldId,
  Import,
  type ImportId,
  ImportSchedule,
  List,
  type ListId,
  type NormalizedEmail,
  RunCounts,
  type RunId,
  Skip,
  SyncRun
} from "@autoimport/core/Domain"
import * as Email from "@autoimport/core/Email"
import { ImportNotFound, InvalidConfig, LeaseLost } from "@autoimport/core/Errors"
import * as Naming from "@autoimport/core/Naming"
import {
  type ContactQuery,
  type ContactWrite,
  type DeferredRecord,
  type PageResult,
  type PageWrite,
  Store,
  type StoreShape
} from "@autoimport/core/Store"
import * as Clock from "effect/Clock"
import * as Config from "effect/Config"
import type * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Credentials from "./Credentials.js"
import * as Deferred from "./internal/deferred.js"
import * as Migrations from "./internal/migrations.js"
import * as SqliteFile from "./internal/sqliteFile.js"

/** Rows per multi-row statement: far below both dialects' bind-parameter limits. */
const chunkSize = 500

export const make: Effect.Effect<StoreShape, never, SqlClient.SqlClient | Credentials.Credentials> = Effect.gen(
  function*() {
    const sql = yield* SqlClient.SqlClient
    const credentials = yield* Credentials.Credentials

    // ---- accounts and lists -------------------------------------------------------------

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
        pg: () => sql<{ contact_limit: unknown }>`SELECT contact_limit FROM accounts WHERE id = ${id} FOR NO KEY UPDATE`,
        orElse: () =>
          sql<{ contact_limit: unknown }>`UPDATE accounts SET contact_limit = contact_limit WHERE id = ${id}
            RETURNING contact_limit`
      }).pipe(
        Effect.flatMap((rows) =>
          rows.length === 0
            ? Effect.dieMessage(`account ${id} does not exist`)
            : Effect.succeed(nullableNumber(rows[0]!.contact_limit))
        )
      )

    const selectAccount = (id: AccountId) =>
      sql<{ id: string; contact_limit: unknown; contact_count: unknown; deferred_count: unknown }>`
        SELECT a.id, a.contact_limit, (SELECT count(*) FROM contacts c WHERE c.account_id = a.id) AS contact_count,
          (SELECT count(*) FROM deferred_records d JOIN imports i ON i.id = d.import_id
            WHERE i.account_id = a.id AND i.deleted_at IS NULL) AS deferred_count
        FROM accounts a WHERE a.id = ${id}`.pipe(
          Effect.map((rows) =>
            Option.map(Option.fromNullable(rows[0]), (row) =>
              new Account({
                id: row.id as AccountId,
                contactLimit: nullableNumber(row.contact_limit),
                contactCount: Number(row.contact_count),
                deferredCount: Number(row.deferred_count)
              }))
          )
        )

    const existingAccount = (id: AccountId) =>
      Effect.flatMap(selectAccount(id), (account) =>
        Option.match(account, {
          onNone: () => Effect.dieMessage(`account ${id} vanished while it was being written`),
          onSome: Effect.succeed
        }))

    const ensureAccount = (id: AccountId) => Effect.zipRight(insertAccountIfMissing(id), existingAccount(id))

    const setContactLimit = (id: AccountId, limit: number | null) => {
      if (limit !== null && !(Number.isSafeInteger(limit) && limit >= 0)) {
        return Effect.dieMessage(`contact limit of account ${id} must be a non-negative integer or null, got ${limit}`)
      }
      return Effect.zipRight(
        sql`INSERT INTO accounts (id, contact_limit) VALUES (${id}, ${limit})
          ON CONFLICT (id) DO UPDATE SET contact_limit = excluded.contact_limit`,
        existingAccount(id)
      )
    }

    const toList = (row: { id: unknown; account_id: string; name: string }) =>
      new List({ id: String(row.id) as ListId, accountId: row.account_id as AccountId, name: row.name })

    const ensureList = (accountId: AccountId, name: string) => {
      const clean = text(name)
      return Effect.gen(function*() {
        yield* insertAccountIfMissing(accountId)
        yield* sql`INSERT INTO lists (account_id, name) VALUES (${accountId}, ${clean})
          ON CONFLICT (account_id, name) DO NOTHING`
        const rows = yield* sql<{ id: unknown; account_id: string; name: string }>`
          SELECT id, account_id, name FROM lists WHERE account_id = ${accountId} AND name = ${clean}`
        return toList(rows[0]!)
      })
    }

    const listLists = (accountId: AccountId) =>
      Effect.map(
        sql<{ id: unknown; account_id: string; name: string }>`
          SELECT id, account_id, name FROM lists WHERE account_id = ${accountId} ORDER BY id`,
        (rows) => rows.map(toList)
      )

    /** Lists an import may target: the account's own; anything else is a caller's bug. */
    const checkLists = (accountId: AccountId, listIds: ReadonlyArray<ListId>) =>
      Effect.gen(function*() {
        const keys = listIds.flatMap((id) => idKey(id) ?? [])
        const found = new Set<string>()
        if (keys.length > 0) {
          const rows = yield* sql<{ id: unknown }>`SELECT id FROM lists
            WHERE account_id = ${accountId} AND ${sql.in("id", keys)}`
          for (const row of rows) found.add(String(row.id))
        }
        const missing = listIds.filter((id) => !found.has(id))
        if (missing.length > 0) {
          return yield* Effect.dieMessage(`list(s) ${missing.join(", ")} do not exist in account ${accountId}`)
        }
      })

    // ---- custom fields (R3) ---------------------------------------------------------------

    interface FieldRow {
      readonly id: unknown
      readonly account_id: string
      readonly title: string
      readonly title_key: string
      readonly tag: string
      readonly connector_id: string | null
      readonly field_key: string | null
      readonly type: CustomField["type"]
    }
    const fieldColumns = sql.literal("id, account_id, title, title_key, tag, connector_id, field_key, type")
    const toField = (row: FieldRow) =>
      new CustomField({
        id: String(row.id) as FieldId,
        accountId: row.account_id as AccountId,
        title: row.title,
        tag: row.tag,
        connectorId: row.connector_id as ConnectorId | null,
        key: row.field_key,
        type: row.type
      })

    const listFields = (accountId: AccountId) =>
      Effect.map(
        sql<FieldRow>`SELECT ${fieldColumns} FROM custom_fields WHERE account_id = ${accountId} ORDER BY id`,
        (rows) => rows.map(toField)
      )

    const ensureFieldsOnce = (
      accountId: AccountId,
      connector: { readonly id: ConnectorId; readonly name: string },
      definitions: ReadonlyArray<FieldDefinition>
    ) =>
      sql.withTransaction(Effect.gen(function*() {
        yield* insertAccountIfMissing(accountId)
        yield* lockAccount(accountId)
        const rows = yield* sql<FieldRow>`SELECT ${fieldColumns} FROM custom_fields WHERE account_id = ${accountId}`
        const taken = { titles: new Set(rows.map((r) => r.title_key)), tags: new Set(rows.map((r) => r.tag)) }
        const result = new Map<string, CustomField>()
        for (const definition of definitions) {
          const own = rows.find((r) => r.connector_id === connector.id && r.field_key === definition.key)
          if (own !== undefined) {
            result.set(definition.key, toField(own))
            continue
          }
          const name = Naming.resolveFieldName(text(connector.name), text(definition.label), taken)
          taken.titles.add(name.title.toLowerCase())
          taken.tags.add(name.tag)
          const [created] = yield* sql<FieldRow>`INSERT INTO custom_fields ${
            sql.insert({
              account_id: accountId,
              title: name.title,
              title_key: name.title.toLowerCase(),
              tag: name.tag,
              connector_id: connector.id,
              field_key: definition.key,
              type: definition.type
            })
          } RETURNING ${fieldColumns}`
          result.set(definition.key, toField(created!))
        }
        return result as ReadonlyMap<string, CustomField>
      }))

    // The account lock already serializes ensureFields; the retry covers a field inserted by a
    // writer that does not take it (e.g. a user's field made by hand in another process).
    const ensureFields: StoreShape["ensureFields"] = (accountId, connector, definitions) =>
      ensureFieldsOnce(accountId, connector, definitions).pipe(
        Effect.catchIf(isUniqueViolation, () => ensureFieldsOnce(accountId, connector, definitions)),
        Effect.orDie
      )

    // ---- imports --------------------------------------------------------------------------

    interface ImportRow {
      readonly id: unknown
      readonly account_id: string
      readonly connector_id: string
      readonly name: string
      readonly config: string
      readonly list_ids: string
      readonly status: Import["status"]
      readonly status_reason: string | null
      readonly created_at: unknown
      readonly updated_at: unknown
      readonly deleted_at: unknown
    }
    const importColumns = sql.literal(
      "id, account_id, connector_id, name, config, list_ids, status, status_reason, created_at, updated_at, deleted_at"
    )
    const configContext = (id: string) => `autoimport import ${id} config`

    const encryptConfig = (id: string, config: unknown) => {
      const json = JSON.stringify(config)
      if (json === undefined) throw new Error(`import ${id} config is not JSON-encodable`)
      return credentials.encrypt(json, configContext(id))
    }

    const toImport = (row: ImportRow) => {
      const id = String(row.id)
      const json = credentials.decrypt(row.config, configContext(id))
      if (json === undefined) throw new Credentials.CredentialsKeyMismatch({ importId: id })
      return new Import({
        id: id as ImportId,
        accountId: row.account_id as AccountId,
        connectorId: row.connector_id as ConnectorId,
        name: row.name,
        config: JSON.parse(json),
        listIds: JSON.parse(row.list_ids) as Array<ListId>,
        status: row.status,
        statusReason: row.status_reason,
        createdAt: new Date(Number(row.created_at)),
        updatedAt: new Date(Number(row.updated_at)),
        deletedAt: nullableDate(row.deleted_at)
      })
    }

    const findImport = (id: ImportId, includeDeleted = false) => {
      const key = idKey(id)
      if (key === undefined) return Effect.fail(new ImportNotFound({ importId: id }))
      return sql<ImportRow>`SELECT ${importColumns} FROM imports
        WHERE id = ${key} AND (${includeDeleted ? 1 : 0} = 1 OR deleted_at IS NULL)`.pipe(
        Effect.flatMap((rows) =>
          rows.length === 0 ? Effect.fail(new ImportNotFound({ importId: id })) : Effect.succeed(rows[0]!)
        )
      )
    }

    const createImport: StoreShape["createImport"] = (input, now) =>
      sql.withTransaction(Effect.gen(function*() {
        yield* insertAccountIfMissing(input.accountId)
        yield* checkLists(input.accountId, input.listIds)
        const at = now.getTime()
        // The id is the ciphertext's authenticated context, so the config is written once the id exists.
        const [row] = yield* sql<{ id: unknown }>`INSERT INTO imports ${
          sql.insert({
            account_id: input.accountId,
            connector_id: input.connectorId,
            name: text(input.name),
            config: "",
            list_ids: JSON.stringify(input.listIds),
            status: "active",
            status_reason: null,
            created_at: at,
            updated_at: at
          })
        } RETURNING id`
        const id = String(row!.id)
        yield* sql`UPDATE imports SET config = ${encryptConfig(id, input.config)} WHERE id = ${Number(id)}`
        yield* sql`INSERT INTO import_state (import_id) VALUES (${Number(id)})`
        const [created] = yield* sql<ImportRow>`SELECT ${importColumns} FROM imports WHERE id = ${Number(id)}`
        return toImport(created!)
      })).pipe(Effect.orDie)

    const getImport: StoreShape["getImport"] = (id, options) =>
      findImport(id, options?.includeDeleted === true).pipe(Effect.map(toImport), dieOnSqlError)

    const listImports: StoreShape["listImports"] = (accountId, options) =>
      sql<ImportRow>`SELECT ${importColumns} FROM imports WHERE ${
        sql.and([
          options?.includeDeleted === true ? sql`1 = 1` : sql`deleted_at IS NULL`,
          ...(accountId === undefined ? [] : [sql`account_id = ${accountId}`])
        ])
      } ORDER BY id`.pipe(Effect.map((rows) => rows.map(toImport)), Effect.orDie)

    const updateImport: StoreShape["updateImport"] = (id, patch, now) =>
      sql.withTransaction(Effect.gen(function*() {
        const current = toImport(yield* findImport(id))
        if (patch.listIds !== undefined) yield* checkLists(current.accountId, patch.listIds)
        const key = Number(current.id)
        yield* sql`UPDATE imports SET ${
          sql.update({
            name: patch.name === undefined ? current.name : text(patch.name),
            config: encryptConfig(current.id, patch.config === undefined ? current.config : patch.config),
            list_ids: JSON.stringify(patch.listIds ?? current.listIds),
            status: patch.status ?? current.status,
            status_reason: patch.statusReason === undefined
              ? current.statusReason
              : patch.statusReason === null
              ? null
              : text(patch.statusReason),
            updated_at: now.getTime()
          })
        } WHERE id = ${key}`
        return toImport((yield* findImport(id)))
      })).pipe(dieOnSqlError)

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
      })).pipe(dieOnSqlError)

    // ---- sync state -----------------------------------------------------------------------

    /** For operations without an error channel an unknown id is the caller's bug. */
    const requireKey = (id: string, what: string) => {
      const key = idKey(id)
      return key === undefined ? Effect.dieMessage(`${what} id ${JSON.stringify(id)} is not a store id`) : Effect.succeed(key)
    }

    const getCursor: StoreShape["getCursor"] = (id) =>
      Effect.gen(function*() {
        const key = yield* requireKey(id, "import")
        const rows = yield* sql<{ cursor: string | null }>`SELECT cursor FROM import_state WHERE import_id = ${key}`
        return Option.map(Option.fromNullable(rows[0]?.cursor), (json) => JSON.parse(json) as unknown)
      }).pipe(Effect.orDie)

    const resetCursor: StoreShape["resetCursor"] = (id) =>
      Effect.flatMap(requireKey(id, "import"), (key) =>
        sql.withTransaction(Effect.zipRight(
          sql`UPDATE import_state SET cursor = NULL WHERE import_id = ${key}`,
          sql`DELETE FROM deferred_records WHERE import_id = ${key}`
        ))).pipe(Effect.asVoid, Effect.orDie)

    // One conditional UPDATE: atomic on both dialects, so two processes never both win.
    const acquireLease: StoreShape["acquireLease"] = (id, owner, now, ttlMillis) =>
      Effect.flatMap(requireKey(id, "import"), (key) => {
        const at = now.getTime()
        return sql<{ lease_epoch: unknown }>`UPDATE import_state
          SET lease_owner = ${owner}, lease_until = ${at + ttlMillis}, lease_epoch = lease_epoch + 1
          WHERE import_id = ${key}
            AND (lease_owner IS NULL OR lease_until <= ${at} OR lease_owner = ${owner})
            AND import_id IN (SELECT id FROM imports WHERE deleted_at IS NULL)
          RETURNING lease_epoch`
      }).pipe(Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (row) => Number(row.lease_epoch))), Effect.orDie)

    /** Why `token` no longer holds the import: deleted, or someone took the lease since. */
    const leaseLost = (id: ImportId, key: number) =>
      Effect.flatMap(
        sql<{ deleted_at: unknown }>`SELECT deleted_at FROM imports WHERE id = ${key}`,
        (rows) => Effect.fail(new LeaseLost({ importId: id, reason: nullableDate(rows[0]?.deleted_at) === null ? "taken" : "deleted" }))
      )

    /**
     * Succeeds only while `token` is the import's current lease epoch. As an UPDATE it also
     * locks the row until the transaction ends, so on Postgres a competing acquireLease waits
     * for a page in flight instead of overlapping it (SQLite's write lock does the same).
     */
    const fence = (id: ImportId, key: number, token: number, extendTo?: number) =>
      Effect.flatMap(
        sql<{ import_id: unknown }>`UPDATE import_state
          SET lease_until = ${extendTo === undefined ? sql`lease_until` : extendTo}
          WHERE import_id = ${key} AND lease_epoch = ${token}
            AND import_id IN (SELECT id FROM imports WHERE deleted_at IS NULL)
          RETURNING import_id`,
        (rows) => (rows.length === 1 ? Effect.void : leaseLost(id, key))
      )

    const renewLease: StoreShape["renewLease"] = (id, token, now, ttlMillis) =>
      Effect.flatMap(requireKey(id, "import"), (key) => fence(id, key, token, now.getTime() + ttlMillis)).pipe(
        Effect.catchTag("SqlError", Effect.die)
      )

    const releaseLease: StoreShape["releaseLease"] = (id, token) =>
      Effect.flatMap(requireKey(id, "import"), (key) =>
        sql`UPDATE import_state SET lease_owner = NULL, lease_until = NULL
          WHERE import_id = ${key} AND lease_epoch = ${token}`).pipe(Effect.asVoid, Effect.orDie)

    const getSchedule: StoreShape["getSchedule"] = (id) =>
      Effect.gen(function*() {
        const row = yield* findImport(id)
        const [state] = yield* sql<{ last_run_at: unknown; next_run_at: unknown }>`
          SELECT last_run_at, next_run_at FROM import_state WHERE import_id = ${Number(row.id)}`
        return new ImportSchedule({
          importId: String(row.id) as ImportId,
          lastRunAt: nullableDate(state?.last_run_at),
          nextRunAt: nullableDate(state?.next_run_at)
        })
      }).pipe(dieOnSqlError)

    const setNextRunAt: StoreShape["setNextRunAt"] = (id, at) =>
      Effect.flatMap(requireKey(id, "import"), (key) =>
        sql`UPDATE import_state SET next_run_at = ${at === null ? null : at.getTime()} WHERE import_id = ${key}`)
        .pipe(Effect.asVoid, Effect.orDie)

    const listDueImports: StoreShape["listDueImports"] = (now) =>
      sql<{ id: unknown }>`SELECT i.id FROM imports i JOIN import_state s ON s.import_id = i.id
        WHERE i.deleted_at IS NULL AND (s.next_run_at IS NULL OR s.next_run_at <= ${now.getTime()})
        ORDER BY s.next_run_at IS NOT NULL, s.next_run_at, i.id`.pipe(
          Effect.map((rows) => rows.map((row) => String(row.id) as ImportId)),
          Effect.orDie
        )

    const loadLinks: StoreShape["loadLinks"] = (importId, externalIds) =>
      Effect.gen(function*() {
        const key = yield* requireKey(importId, "import")
        const links = new Map<ExternalId, { contactId: ContactId; email: NormalizedEmail; hash: string }>()
        for (const ids of chunks(unique(externalIds.map(text)), chunkSize)) {
          const rows = yield* sql<{ external_id: string; contact_id: unknown; hash: string; email: string }>`
            SELECT l.external_id, l.contact_id, l.hash, c.email
            FROM import_links l JOIN contacts c ON c.id = l.contact_id
            WHERE l.import_id = ${key} AND ${sql.in("l.external_id", ids)}`
          for (const row of rows) {
            links.set(row.external_id as ExternalId, {
              contactId: String(row.contact_id) as ContactId,
              email: row.email as NormalizedEmail,
              hash: row.hash
            })
          }
        }
        return links as ReadonlyMap<ExternalId, { contactId: ContactId; email: NormalizedEmail; hash: string }>
      }).pipe(Effect.orDie)

    // ---- the write path -------------------------------------------------------------------

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
        const to = text(write.externalId)
        const from = unique(write.previousExternalIds.map(text)).filter((id) => id !== to)
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
        const importKey = yield* requireKey(write.importId, "import")
        const runKey = yield* requireKey(write.runId, "run")
        const now = write.now.getTime()
        const limit = yield* lockAccount(write.accountId)
        yield* fence(write.importId, importKey, write.lease)

        for (const contact of write.contacts) {
          if (contact.previousExternalIds.length > 0) yield* moveLinks(importKey, contact)
        }

        let deleted = 0
        for (const ids of chunks(unique(write.deletions.map(text)), chunkSize)) {
          const rows = yield* sql`DELETE FROM import_links
            WHERE import_id = ${importKey} AND ${sql.in("external_id", ids)} RETURNING external_id`
          deleted += rows.length
        }

        const existing = new Set<string>()
        for (const emails of chunks(unique(write.contacts.map((c) => c.email)), chunkSize)) {
          const rows = yield* sql<{ email: string }>`SELECT email FROM contacts
            WHERE account_id = ${write.accountId} AND ${sql.in("email", emails)}`
          for (const row of rows) existing.add(row.email)
        }
        let count = limit === null ? 0 : yield* countOf(write.accountId)

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
          if (contact.firstName !== undefined) target.firstName = text(contact.firstName)
          if (contact.lastName !== undefined) target.lastName = text(contact.lastName)
          if (contact.phone !== undefined) target.phone = text(contact.phone)
          for (const { fieldId, value } of contact.fieldValues) {
            target.fields.set(fieldId, value === null ? null : text(value))
          }
          const externalId = text(contact.externalId)
          links.delete(externalId)
          links.set(externalId, { email: contact.email, hash: contact.hash })
        }

        // New and existing contacts in one upsert: COALESCE keeps a column the page left undefined.
        const contactIds = new Map<string, number>()
        for (const batch of chunks([...pending], chunkSize)) {
          const rows = yield* sql<{ id: unknown; email: string }>`INSERT INTO contacts ${
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
            RETURNING id, email`
          for (const row of rows) contactIds.set(row.email, Number(row.id))
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
        for (const batch of chunks(values, chunkSize)) {
          yield* sql`INSERT INTO field_values ${sql.insert(batch)}
            ON CONFLICT (contact_id, field_id) DO UPDATE SET value = excluded.value`
        }
        for (const [fieldKey, ids] of cleared) {
          for (const batch of chunks(ids, chunkSize)) {
            yield* sql`DELETE FROM field_values WHERE field_id = ${fieldKey} AND ${sql.in("contact_id", batch)}`
          }
        }

        // R6: a membership that exists is left alone, so an unsubscribed contact stays unsubscribed.
        const listKeys = write.listIds.map(Number)
        const memberships = [...contactIds.values()].flatMap((contactId) =>
          listKeys.map((listId) => ({ contact_id: contactId, list_id: listId, status: "active" }))
        )
        for (const batch of chunks(memberships, chunkSize)) {
          yield* sql`INSERT INTO contact_lists ${sql.insert(batch)} ON CONFLICT (contact_id, list_id) DO NOTHING`
        }

        for (const batch of chunks([...links], chunkSize)) {
          yield* sql`INSERT INTO import_links ${
            sql.insert(batch.map(([externalId, link]) => ({
              import_id: importKey,
              external_id: externalId,
              contact_id: idOf(link.email),
              hash: link.hash
            })))
          } ON CONFLICT (import_id, external_id) DO UPDATE SET contact_id = excluded.contact_id, hash = excluded.hash`
        }

        for (const batch of chunks(write.skips, chunkSize)) {
          yield* sql`INSERT INTO run_skips ${sql.insert(batch.map((skip) => skipRow(runKey, importKey, skip, now)))}`
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
      })).pipe(Effect.catchTag("SqlError", Effect.die))

    /**
     * The page is the newest word on each record it names: a deferred copy of any of them (also
     * under an id the service re-keyed from) is dropped, then the records deferred now are
     * stored, replacing older versions in place so that they keep their turn.
     */
    const settleDeferred = (importKey: number, write: PageWrite, deferred: ReadonlyArray<ContactWrite>, now: number) =>
      Effect.gen(function*() {
        const stillDeferred = new Set(deferred.map((c) => text(c.externalId)))
        const named = unique([
          ...write.contacts.flatMap((c) => [c.externalId, ...c.previousExternalIds]),
          ...write.deletions,
          ...write.skips.map((s) => s.externalId),
          ...write.unchanged
        ].map(text)).filter((id) => !stillDeferred.has(id))
        for (const ids of chunks(named, chunkSize)) {
          yield* sql`DELETE FROM deferred_records WHERE import_id = ${importKey} AND ${sql.in("external_id", ids)}`
        }
        for (const batch of chunks(deferred, chunkSize)) {
          yield* sql`INSERT INTO deferred_records ${
            sql.insert(batch.map((c) => ({
              import_id: importKey,
              external_id: text(c.externalId),
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
        const key = yield* requireKey(importId, "import")
        const rows = yield* sql<{ external_id: string; record: string }>`SELECT external_id, record FROM deferred_records
          WHERE import_id = ${key} ORDER BY id LIMIT ${limit}`
        return rows.map((row): DeferredRecord => Deferred.decode(row.external_id, row.record))
      }).pipe(Effect.orDie)

    const countDeferred: StoreShape["countDeferred"] = (importId) =>
      Effect.flatMap(requireKey(importId, "import"), (key) =>
        sql<{ n: unknown }>`SELECT count(*) AS n FROM deferred_records WHERE import_id = ${key}`).pipe(
          Effect.map((rows) => Number(rows[0]!.n)),
          Effect.orDie
        )

    // ---- run history (R9) -----------------------------------------------------------------

    interface RunRow {
      readonly id: unknown
      readonly import_id: unknown
      readonly owner: string
      readonly started_at: unknown
      readonly finished_at: unknown
      readonly outcome: SyncRun["outcome"]
      readonly fetched: unknown
      readonly added: unknown
      readonly updated: unknown
      readonly unchanged: unknown
      readonly skipped: unknown
      readonly deleted: unknown
      readonly deferred: unknown
      readonly stop_tag: string | null
      readonly message: string | null
      readonly resynced: unknown
    }
    const toRun = (row: RunRow) =>
      new SyncRun({
        id: String(row.id) as RunId,
        importId: String(row.import_id) as ImportId,
        startedAt: new Date(Number(row.started_at)),
        finishedAt: nullableDate(row.finished_at),
        outcome: row.outcome,
        counts: new RunCounts({
          fetched: Number(row.fetched),
          added: Number(row.added),
          updated: Number(row.updated),
          unchanged: Number(row.unchanged),
          skipped: Number(row.skipped),
          deleted: Number(row.deleted),
          deferred: Number(row.deferred)
        }),
        stopTag: row.stop_tag,
        message: row.message,
        resynced: Number(row.resynced) === 1,
        owner: row.owner
      })

    const startRun: StoreShape["startRun"] = (importId, owner, now) =>
      sql.withTransaction(Effect.gen(function*() {
        const key = yield* requireKey(importId, "import")
        const [row] = yield* sql<{ id: unknown }>`INSERT INTO sync_runs ${
          sql.insert({ import_id: key, owner: text(owner), started_at: now.getTime(), outcome: "running" })
        } RETURNING id`
        yield* sql`UPDATE import_state SET last_run_at = ${now.getTime()} WHERE import_id = ${key}`
        return String(row!.id) as RunId
      })).pipe(Effect.orDie)

    const finishRun: StoreShape["finishRun"] = (runId, finish) =>
      Effect.flatMap(requireKey(runId, "run"), (key) =>
        sql`UPDATE sync_runs SET ${
          sql.update({
            outcome: finish.outcome,
            finished_at: finish.finishedAt.getTime(),
            stop_tag: finish.stopTag,
            message: finish.message === null ? null : text(finish.message),
            resynced: finish.resynced ? 1 : 0
          })
        } WHERE id = ${key}`).pipe(Effect.asVoid, Effect.orDie)

    const interruptStaleRuns: StoreShape["interruptStaleRuns"] = (importId, now) =>
      Effect.flatMap(requireKey(importId, "import"), (key) =>
        sql`UPDATE sync_runs SET outcome = 'interrupted', finished_at = ${now.getTime()},
            message = ${"the runner stopped during this run; the next run continued from the last committed page"}
          WHERE import_id = ${key} AND outcome = 'running' RETURNING id`).pipe(
          Effect.map((rows) => rows.length),
          Effect.orDie
        )

    const getRun: StoreShape["getRun"] = (runId) =>
      Effect.flatMap(requireKey(runId, "run"), (key) => sql<RunRow>`SELECT * FROM sync_runs WHERE id = ${key}`).pipe(
        Effect.flatMap((rows) => rows.length === 0 ? Effect.dieMessage(`there is no run ${runId}`) : Effect.succeed(toRun(rows[0]!))),
        Effect.orDie
      )

    const listRuns: StoreShape["listRuns"] = (importId, limit) =>
      Effect.flatMap(requireKey(importId, "import"), (key) =>
        sql<RunRow>`SELECT * FROM sync_runs WHERE import_id = ${key}
          ORDER BY started_at DESC, id DESC LIMIT ${limit}`).pipe(
          Effect.map((rows) => rows.map(toRun)),
          Effect.orDie
        )

    interface SkipRow {
      readonly run_id: unknown
      readonly import_id: unknown
      readonly external_id: string
      readonly reason: Skip["reason"]
      readonly detail: string
      readonly email: string | null
      readonly at: unknown
    }
    const toSkip = (row: SkipRow) =>
      new Skip({ externalId: row.external_id as ExternalId, reason: row.reason, detail: row.detail, email: row.email })

    const listSkips: StoreShape["listSkips"] = (runId) =>
      Effect.flatMap(requireKey(runId, "run"), (key) =>
        sql<SkipRow>`SELECT * FROM run_skips WHERE run_id = ${key} ORDER BY id`).pipe(
          Effect.map((rows) => rows.map(toSkip)),
          Effect.orDie
        )

    const findSkips: StoreShape["findSkips"] = (accountId, search) => {
      const term = text(search.trim())
      return sql<SkipRow>`SELECT s.* FROM run_skips s JOIN imports i ON i.id = s.import_id
        WHERE i.account_id = ${accountId} AND (s.email_key = ${term.toLowerCase()} OR s.external_id = ${term})
        ORDER BY s.at DESC, s.id DESC`.pipe(
        Effect.map((rows) =>
          rows.map((row) =>
            Object.assign(toSkip(row), {
              importId: String(row.import_id) as ImportId,
              runId: String(row.run_id) as RunId,
              at: new Date(Number(row.at))
            })
          )
        ),
        Effect.orDie
      )
    }

    // ---- contacts -------------------------------------------------------------------------

    const countOf = (accountId: AccountId) =>
      Effect.map(
        sql<{ n: unknown }>`SELECT count(*) AS n FROM contacts WHERE account_id = ${accountId}`,
        (rows) => Number(rows[0]!.n)
      )

    /** The WHERE clause of a contact query; undefined when it can match nothing (a list id that names no row). */
    const contactFilters = (query: Omit<ContactQuery, "limit">) => {
      const filters = [sql`c.account_id = ${query.accountId}`]
      if (query.email !== undefined) {
        filters.push(sql`c.email = ${Either.getOrElse(Email.normalize(query.email), () => text(query.email!))}`)
      }
      if (query.listId !== undefined) {
        const listKey = idKey(query.listId)
        if (listKey === undefined) return undefined
        filters.push(sql`EXISTS (SELECT 1 FROM contact_lists m WHERE m.contact_id = c.id AND m.list_id = ${listKey})`)
      }
      return filters
    }

    const countMatchingContacts: StoreShape["countMatchingContacts"] = (query) =>
      Effect.gen(function*() {
        const filters = contactFilters(query)
        if (filters === undefined) return 0
        const rows = yield* sql<{ n: unknown }>`SELECT COUNT(*) AS n FROM contacts c WHERE ${sql.and(filters)}`
        return Number(rows[0]?.n ?? 0)
      }).pipe(Effect.orDie)

    const listContacts: StoreShape["listContacts"] = (query) =>
      Effect.gen(function*() {
        const limit = query.limit ?? 100
        if (!(Number.isSafeInteger(limit) && limit >= 0)) {
          return yield* Effect.dieMessage(`contact query limit must be a non-negative integer, got ${limit}`)
        }
        const filters = contactFilters(query)
        if (filters === undefined) return []
        const rows = yield* sql<{
          id: unknown
          email: string
          first_name: string | null
          last_name: string | null
          phone: string | null
          created_at: unknown
          updated_at: unknown
        }>`SELECT c.id, c.email, c.first_name, c.last_name, c.phone, c.created_at, c.updated_at
          FROM contacts c WHERE ${sql.and(filters)} ORDER BY c.id LIMIT ${limit}`
        const fields = new Map<string, Record<string, string>>()
        const lists = new Map<string, Array<{ listId: ListId; name: string; status: "active" | "unsubscribed" }>>()
        for (const batch of chunks(rows.map((r) => Number(r.id)), chunkSize)) {
          const values = yield* sql<{ contact_id: unknown; tag: string; value: string }>`
            SELECT v.contact_id, f.tag, v.value FROM field_values v JOIN custom_fields f ON f.id = v.field_id
            WHERE ${sql.in("v.contact_id", batch)}`
          for (const v of values) {
            const id = String(v.contact_id)
            fields.set(id, { ...fields.get(id), [v.tag]: v.value })
          }
          const memberships = yield* sql<{ contact_id: unknown; list_id: unknown; name: string; status: "active" | "unsubscribed" }>`
            SELECT m.contact_id, m.list_id, l.name, m.status FROM contact_lists m JOIN lists l ON l.id = m.list_id
            WHERE ${sql.in("m.contact_id", batch)} ORDER BY m.list_id`
          for (const m of memberships) {
            const id = String(m.contact_id)
            lists.set(id, [...(lists.get(id) ?? []), { listId: String(m.list_id) as ListId, name: m.name, status: m.status }])
          }
        }
        return rows.map((row) => {
          const id = String(row.id)
          return new ContactView({
            id: id as ContactId,
            email: row.email as NormalizedEmail,
            firstName: row.first_name,
            lastName: row.last_name,
            phone: row.phone,
            fields: fields.get(id) ?? {},
            lists: lists.get(id) ?? [],
            createdAt: new Date(Number(row.created_at)),
            updatedAt: new Date(Number(row.updated_at))
          })
        })
      }).pipe(Effect.orDie)

    const unsubscribe: StoreShape["unsubscribe"] = (accountId, email, listId) =>
      sql.withTransaction(Effect.gen(function*() {
        const [contact] = yield* sql<{ id: unknown }>`SELECT id FROM contacts
          WHERE account_id = ${accountId} AND email = ${email}`
        if (contact === undefined) return false
        const contactKey = Number(contact.id)
        if (listId === undefined) {
          yield* sql`UPDATE contact_lists SET status = 'unsubscribed' WHERE contact_id = ${contactKey}`
          return true
        }
        const listKey = idKey(listId)
        if (listKey === undefined) return false
        const [list] = yield* sql`SELECT id FROM lists WHERE id = ${listKey} AND account_id = ${accountId}`
        if (list === undefined) return false
        // Recorded even without a membership: a later import must not subscribe the contact (R6).
        yield* sql`INSERT INTO contact_lists (contact_id, list_id, status) VALUES (${contactKey}, ${listKey}, 'unsubscribed')
          ON CONFLICT (contact_id, list_id) DO UPDATE SET status = 'unsubscribed'`
        return true
      })).pipe(Effect.orDie)

    return {
      ensureAccount: (id) => Effect.orDie(ensureAccount(id)),
      getAccount: (id) => Effect.orDie(selectAccount(id)),
      setContactLimit: (id, limit) => Effect.orDie(setContactLimit(id, limit)),
      ensureList: (accountId, name) => Effect.orDie(ensureList(accountId, name)),
      listLists: (accountId) => Effect.orDie(listLists(accountId)),
      listFields: (accountId) => Effect.orDie(listFields(accountId)),
      ensureFields,
      createImport,
      getImport,
      listImports,
      updateImport,
      deleteImport,
      getCursor,
      resetCursor,
      acquireLease,
      renewLease,
      releaseLease,
      getSchedule,
      setNextRunAt,
      listDueImports,
      loadLinks,
      commitPage,
      loadDeferred,
      countDeferred,
      startRun,
      finishRun,
      interruptStaleRuns,
      getRun,
      listRuns,
      listSkips,
      findSkips,
      listContacts,
      countContacts: (accountId) => Effect.orDie(countOf(accountId)),
      countMatchingContacts,
      unsubscribe
    } satisfies StoreShape
  }
)

// ---- layers -------------------------------------------------------------------------------

/** A SQLite database file that cannot be used (read-only, not a database, ...); see internal/sqliteFile.ts. */
export const DatabaseFileError = SqliteFile.DatabaseFileError
export type DatabaseFileError = SqliteFile.DatabaseFileError

/** What opening a store can fail with: the database, a migration, or the configuration. */
export type OpenError = SqlError | Migrator.MigrationError | InvalidConfig | DatabaseFileError

export interface SqliteOptions {
  /** The database file; its directory is created when missing. */
  readonly filename: string
  /** 32 bytes for AES-256-GCM; see {@link Credentials.generateKey}. */
  readonly credentialsKey: Redacted.Redacted<Uint8Array>
  /** How long a write waits for another process's transaction on the same file. Default 30 s. */
  readonly busyTimeoutMillis?: number
}

export interface PgOptions {
  readonly url: Redacted.Redacted<string> | string
  readonly credentialsKey: Redacted.Redacted<Uint8Array>
}

/** Migrates the client's database, then builds the store on it; provides both. */
const fromClient = <E>(
  client: Layer.Layer<SqlClient.SqlClient, E>,
  credentialsKey: Redacted.Redacted<Uint8Array>
): Layer.Layer<Store | SqlClient.SqlClient, E | OpenError> =>
  Layer.effect(Store, make).pipe(
    Layer.provide(Credentials.layer(credentialsKey)),
    Layer.provideMerge(Layer.effectDiscard(Migrations.run).pipe(Layer.provideMerge(client)))
  )

export const layerSqlite = (options: SqliteOptions): Layer.Layer<Store | SqlClient.SqlClient, OpenError> =>
  fromClient(
    Layer.scopedContext(Effect.gen(function*() {
      if (options.filename !== ":memory:") yield* SqliteFile.preflight(options.filename)
      const busyTimeout = options.busyTimeoutMillis ?? 30_000
      if (!(Number.isSafeInteger(busyTimeout) && busyTimeout >= 0)) {
        return yield* new InvalidConfig({ where: "SQLite busy timeout", detail: `not a whole number of milliseconds: ${busyTimeout}` })
      }
      // A file SQLite cannot use (not a database, an unreadable device such as /proc/self/mem)
      // fails while opening or on the first statement: a typed error naming the file, not a defect.
      const client = yield* Effect.gen(function*() {
        const client = yield* SqliteClient.make({ filename: options.filename })
        // PRAGMAs take no bound parameters; the one number is checked above.
        yield* client.unsafe(`PRAGMA busy_timeout = ${busyTimeout}`)
        yield* client`PRAGMA foreign_keys = ON`
        // WAL makes NORMAL safe against corruption; a power cut can only lose whole last transactions.
        yield* client`PRAGMA synchronous = NORMAL`
        return client
      }).pipe(
        Effect.catchAllDefect((defect) => Effect.fail(defect)),
        Effect.mapError((cause) => new SqliteFile.DatabaseFileError({ filename: options.filename, detail: SqliteFile.reason(cause) }))
      )
      return Context.make(SqlClient.SqlClient, client as SqlClient.SqlClient)
    })).pipe(Layer.provide(Reactivity.layer)),
    options.credentialsKey
  ).pipe(
    // On SQLite, a statement failing while the store opens (the migrations) is about the file.
    Layer.mapError((e) =>
      e._tag === "SqlError" ? new SqliteFile.DatabaseFileError({ filename: options.filename, detail: SqliteFile.reason(e) }) : e
    )
  )

export const layerPg = (options: PgOptions): Layer.Layer<Store | SqlClient.SqlClient, OpenError> =>
  fromClient(
    Layer.scopedContext(
      Effect.map(
        PgClient.make({
          url: typeof options.url === "string" ? Redacted.make(options.url) : options.url,
          applicationName: "autoimport"
        }),
        (client) => Context.make(SqlClient.SqlClient, client as SqlClient.SqlClient)
      )
    ).pipe(Layer.provide(Reactivity.layer)),
    options.credentialsKey
  )

export type DatabaseTarget =
  | { readonly _tag: "Sqlite"; readonly filename: string }
  | { readonly _tag: "Pg"; readonly url: string }

/**
 * `postgres://…` / `postgresql://…` → Postgres; `sqlite:<path>` (also `sqlite://<path>`) or a
 * plain file path → SQLite.
 */
export const parseDatabaseUrl = (url: string): Either.Either<DatabaseTarget, InvalidConfig> => {
  const trimmed = url.trim()
  const invalid = (detail: string) => Either.left(new InvalidConfig({ where: "database URL", detail }))
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return Either.right({ _tag: "Pg", url: trimmed })
  if (/^sqlite:/i.test(trimmed)) {
    const filename = trimmed.slice("sqlite:".length).replace(/^\/\//, "")
    return filename.length === 0 ? invalid("sqlite: needs a file path, e.g. sqlite:.autoimport/autoimport.db") : Either.right({ _tag: "Sqlite", filename })
  }
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed)
  if (scheme !== null) {
    return invalid(`"${scheme[1]}" databases are not supported; use postgres://…, sqlite:<path> or a file path`)
  }
  return trimmed.length === 0 ? invalid("it is empty") : Either.right({ _tag: "Sqlite", filename: trimmed })
}

export interface Options {
  /** See {@link parseDatabaseUrl}. */
  readonly url: string
  readonly credentialsKey: Redacted.Redacted<Uint8Array>
}

/** Picks the dialect from the URL (see {@link parseDatabaseUrl}). */
export const layer = (options: Options): Layer.Layer<Store | SqlClient.SqlClient, OpenError> =>
  Either.match(parseDatabaseUrl(options.url), {
    onLeft: (error) => Layer.fail(error),
    onRight: (target) =>
      target._tag === "Pg"
        ? layerPg({ url: Redacted.make(target.url), credentialsKey: options.credentialsKey })
        : layerSqlite({ filename: target.filename, credentialsKey: options.credentialsKey })
  })

/** {@link layer} with its options read from `Config`. */
export const layerConfig = (
  config: Config.Config.Wrap<Options>
): Layer.Layer<Store | SqlClient.SqlClient, OpenError | ConfigError.ConfigError> =>
  Layer.unwrapEffect(Effect.map(Config.unwrap(config), layer))

// ---- helpers ------------------------------------------------------------------------------

/** Postgres cannot store U+0000 in text; dropping it on both dialects keeps them equal. */
const text = (value: string): string => (value.includes("\u0000") ? value.replaceAll("\u0000", "") : value)

/** Store ids are integers shown as text; anything else names no row. */
const idKey = (id: string): number | undefined => {
  if (!/^[1-9][0-9]{0,15}$/.test(id)) return undefined
  const key = Number(id)
  return Number.isSafeInteger(key) ? key : undefined
}

// Postgres returns 64-bit integers as text.
const nullableNumber = (value: unknown): number | null => (value === null || value === undefined ? null : Number(value))
const nullableDate = (value: unknown): Date | null => (value === null || value === undefined ? null : new Date(Number(value)))

const skipRow = (runKey: number, importKey: number, skip: Skip, at: number) => ({
  run_id: runKey,
  import_id: importKey,
  external_id: text(skip.externalId),
  reason: skip.reason,
  detail: text(skip.detail),
  email: skip.email === null ? null : text(skip.email),
  email_key: skip.email === null ? null : text(skip.email.trim()).toLowerCase(),
  at
})

const unique = <A>(values: ReadonlyArray<A>): Array<A> => [...new Set(values)]

const chunks = <A>(values: ReadonlyArray<A>, size: number): Array<ReadonlyArray<A>> => {
  const out: Array<ReadonlyArray<A>> = []
  for (let i = 0; i < values.length; i += size) out.push(values.slice(i, i + size))
  return out
}

const isUniqueViolation = (error: SqlError): boolean => {
  const code = (error.cause as { readonly code?: unknown } | undefined)?.code
  return code === "23505" || code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY"
}

/** Infrastructure failures are defects (see the Store contract); typed errors stay. */
const dieOnSqlError = <A, R>(effect: Effect.Effect<A, ImportNotFound | SqlError, R>): Effect.Effect<A, ImportNotFound, R> =>
  Effect.catchTag(effect, "SqlError", (error) => Effect.die(error))
