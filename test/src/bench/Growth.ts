/**
 * How a sync grows with the size of the source and of the account:
 * - `initialImport`: one import of the whole source (batch cap lifted) into an empty account;
 *   run in a child process per size, so the peak resident set is this size's own;
 * - `upsertInto`: the same sync into an account that already holds `fill` other contacts
 *   (with list memberships and field values), to see what the size of the tables costs.
 */
import googleContacts from "@autoimport/connector-google-contacts"
import { AccountId } from "@autoimport/core/Domain"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import { engineFor, importOf, peakRssMib, perSecond, syncAll, timed } from "./Bench.js"
import type { FakeAccount } from "./FakeServer.js"

export interface SyncFigures {
  readonly contacts: number
  readonly seconds: number
  readonly perSecond: number
  /** CPU time of the syncing process per source contact. */
  readonly cpuMicrosPerContact: number
}

const figures = (contacts: number, [millis, , cpuMillis]: readonly [number, unknown, number]): SyncFigures => ({
  contacts,
  seconds: Math.round(millis) / 1000,
  perSecond: perSecond(contacts, millis),
  cpuMicrosPerContact: Math.round((cpuMillis * 1000) / contacts)
})

/** The store in context must be empty. */
export const initialImport = (url: string, account: FakeAccount) =>
  Effect.scoped(Effect.gen(function*() {
    const h = yield* engineFor(url)
    const importId = yield* importOf(h, "growth", account)
    const rssBeforeMib = peakRssMib()
    const measured = yield* timed(syncAll(h, importId))
    const run = measured[1]
    return { ...figures(run.counts.fetched, measured), added: run.counts.added, rssBeforeMib, peakRssMib: peakRssMib() }
  }))

/**
 * Fills the account with `fill` contacts in plain SQL (a generated series, so filling is quick
 * on both dialects), then times the sync of `account` into it.
 */
export const upsertInto = (url: string, fill: number, account: FakeAccount) =>
  Effect.scoped(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const h = yield* engineFor(url)
    const accountId = "filled"
    const importId = yield* importOf(h, accountId, account)
    const [list] = yield* h.store.listLists(AccountId.make(accountId))
    const fields = [...(yield* h.store.ensureFields(AccountId.make(accountId), googleContacts, googleContacts.fields)).values()].slice(0, 2)
    if (fill > 0) {
      yield* sql.onDialectOrElse({
        pg: () =>
          sql`INSERT INTO contacts (account_id, email, first_name, last_name, created_at, updated_at)
            SELECT ${accountId}, 'filler.' || i || '@bench.example', 'Filler', 'Contact', 0, 0 FROM generate_series(1, ${fill}) AS i`,
        orElse: () =>
          sql`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${fill})
            INSERT INTO contacts (account_id, email, first_name, last_name, created_at, updated_at)
            SELECT ${accountId}, 'filler.' || i || '@bench.example', 'Filler', 'Contact', 0, 0 FROM n`
      })
      yield* sql`INSERT INTO contact_lists (contact_id, list_id, status)
        SELECT id, ${Number(list!.id)}, 'active' FROM contacts WHERE account_id = ${accountId}`
      for (const field of fields) {
        yield* sql`INSERT INTO field_values (contact_id, field_id, value)
          SELECT id, ${Number(field.id)}, 'filler' FROM contacts WHERE account_id = ${accountId}`
      }
      // Fresh planner statistics, as a long-lived database would have them.
      yield* sql`ANALYZE`
    }
    const measured = yield* timed(syncAll(h, importId))
    return { fill, ...figures(measured[1].counts.fetched, measured) }
  })).pipe(Effect.orDie)
