/** Per-import sync state: cursor, lease (R10), schedule and the links from source records to contacts. */
import type * as SqlClient from "@effect/sql/SqlClient"
import { ContactId, type ExternalId, ImportId, ImportSchedule, type NormalizedEmail } from "@autoimport/core/Domain"
import { type ImportNotFound, LeaseLost } from "@autoimport/core/Errors"
import type { StoreShape } from "@autoimport/core/Store"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Sql from "./sql.js"

// Text, not parsed here: a cursor that is JSON `null` is a stored cursor, unlike SQL NULL.
const CursorRow = Schema.Struct({ cursor: Schema.NullOr(Schema.String) })
const EpochRow = Schema.Struct({ lease_epoch: Sql.Int })
const DeletedRow = Schema.Struct({ deleted_at: Schema.NullOr(Sql.Int) })
const ScheduleRow = Schema.Struct({ last_run_at: Schema.NullOr(Sql.Millis), next_run_at: Schema.NullOr(Sql.Millis) })
const DueRow = Schema.Struct({ id: Sql.Id(ImportId) })
const LinkRow = Schema.Struct({
  external_id: Sql.Trusted("@autoimport/ExternalId"),
  contact_id: Sql.Id(ContactId),
  hash: Schema.String,
  email: Sql.Trusted("@autoimport/NormalizedEmail")
})

export const make = (
  sql: SqlClient.SqlClient,
  imports: {
    readonly findImport: (id: ImportId) => Effect.Effect<{ readonly id: ImportId }, ImportNotFound | Sql.SqlError | Sql.ParseError>
  }
) => {
  /** Why `token` no longer holds the import: deleted, or someone took the lease since. */
  const leaseLost = (id: ImportId, key: number) =>
    sql`SELECT deleted_at FROM imports WHERE id = ${key}`.pipe(
      Sql.rows(DeletedRow),
      Effect.flatMap((rows) =>
        Effect.fail(new LeaseLost({ importId: id, reason: (rows[0]?.deleted_at ?? null) === null ? "taken" : "deleted" }))
      )
    )

  /**
   * Succeeds only while `token` is the import's current lease epoch. As an UPDATE it also
   * locks the row until the transaction ends, so on Postgres a competing acquireLease waits
   * for a page in flight instead of overlapping it (SQLite's write lock does the same).
   */
  const fence = (id: ImportId, key: number, token: number, extendTo?: number) =>
    Effect.flatMap(
      sql`UPDATE import_state
        SET lease_until = ${extendTo === undefined ? sql`lease_until` : extendTo}
        WHERE import_id = ${key} AND lease_epoch = ${token}
          AND import_id IN (SELECT id FROM imports WHERE deleted_at IS NULL)
        RETURNING import_id`,
      (rows) => (rows.length === 1 ? Effect.void : leaseLost(id, key))
    )

  const store = {
    getCursor: (id) =>
      Effect.gen(function*() {
        const key = yield* Sql.requireKey(id, "import")
        const rows = yield* sql`SELECT cursor FROM import_state WHERE import_id = ${key}`.pipe(Sql.rows(CursorRow))
        return Option.map(Option.fromNullable(rows[0]?.cursor), (json): unknown => JSON.parse(json))
      }).pipe(Sql.orDie),

    resetCursor: (id) =>
      Effect.flatMap(Sql.requireKey(id, "import"), (key) =>
        sql.withTransaction(Effect.zipRight(
          sql`UPDATE import_state SET cursor = NULL WHERE import_id = ${key}`,
          sql`DELETE FROM deferred_records WHERE import_id = ${key}`
        ))).pipe(Effect.asVoid, Sql.orDie),

    // One conditional UPDATE: atomic on both dialects, so two processes never both win.
    acquireLease: (id, owner, now, ttlMillis) =>
      Effect.flatMap(Sql.requireKey(id, "import"), (key) => {
        const at = now.getTime()
        return sql`UPDATE import_state
          SET lease_owner = ${owner}, lease_until = ${at + ttlMillis}, lease_epoch = lease_epoch + 1
          WHERE import_id = ${key}
            AND (lease_owner IS NULL OR lease_until <= ${at} OR lease_owner = ${owner})
            AND import_id IN (SELECT id FROM imports WHERE deleted_at IS NULL)
          RETURNING lease_epoch`.pipe(Sql.rows(EpochRow))
      }).pipe(Effect.map((rows) => Option.map(Option.fromNullable(rows[0]), (row) => row.lease_epoch)), Sql.orDie),

    renewLease: (id, token, now, ttlMillis) =>
      Effect.flatMap(Sql.requireKey(id, "import"), (key) => fence(id, key, token, now.getTime() + ttlMillis)).pipe(Sql.orDie),

    releaseLease: (id, token) =>
      Effect.flatMap(Sql.requireKey(id, "import"), (key) =>
        sql`UPDATE import_state SET lease_owner = NULL, lease_until = NULL
          WHERE import_id = ${key} AND lease_epoch = ${token}`).pipe(Effect.asVoid, Sql.orDie),

    getSchedule: (id) =>
      Effect.gen(function*() {
        const row = yield* imports.findImport(id)
        const [state] = yield* sql`SELECT last_run_at, next_run_at FROM import_state WHERE import_id = ${Number(row.id)}`
          .pipe(Sql.rows(ScheduleRow))
        return new ImportSchedule({
          importId: row.id,
          lastRunAt: state?.last_run_at ?? null,
          nextRunAt: state?.next_run_at ?? null
        })
      }).pipe(Sql.orDie),

    setNextRunAt: (id, at) =>
      Effect.flatMap(Sql.requireKey(id, "import"), (key) =>
        sql`UPDATE import_state SET next_run_at = ${at === null ? null : at.getTime()} WHERE import_id = ${key}`)
        .pipe(Effect.asVoid, Sql.orDie),

    listDueImports: (now) =>
      sql`SELECT i.id FROM imports i JOIN import_state s ON s.import_id = i.id
        WHERE i.deleted_at IS NULL AND (s.next_run_at IS NULL OR s.next_run_at <= ${now.getTime()})
        ORDER BY s.next_run_at IS NOT NULL, s.next_run_at, i.id`.pipe(
        Sql.rows(DueRow),
        Effect.map((rows) => rows.map((row) => row.id)),
        Sql.orDie
      ),

    loadLinks: (importId, externalIds) =>
      Effect.gen(function*() {
        const key = yield* Sql.requireKey(importId, "import")
        const links = new Map<ExternalId, { contactId: ContactId; email: NormalizedEmail; hash: string }>()
        for (const ids of Sql.chunks(Sql.unique(externalIds.map(Sql.text)))) {
          const rows = yield* sql`
            SELECT l.external_id, l.contact_id, l.hash, c.email
            FROM import_links l JOIN contacts c ON c.id = l.contact_id
            WHERE l.import_id = ${key} AND ${sql.in("l.external_id", ids)}`.pipe(Sql.rows(LinkRow))
          for (const row of rows) links.set(row.external_id, { contactId: row.contact_id, email: row.email, hash: row.hash })
        }
        return links as ReadonlyMap<ExternalId, { contactId: ContactId; email: NormalizedEmail; hash: string }>
      }).pipe(Sql.orDie)
  } satisfies Pick<
    StoreShape,
    | "getCursor"
    | "resetCursor"
    | "acquireLease"
    | "renewLease"
    | "releaseLease"
    | "getSchedule"
    | "setNextRunAt"
    | "listDueImports"
    | "loadLinks"
  >

  return { fence, store }
}
