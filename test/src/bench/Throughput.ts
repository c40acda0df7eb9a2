/**
 * End-to-end contacts per second of a sync against its two ceilings, measured in the same run
 * on the same fake account and the same database (docs/design.md §8):
 * - fetch: plain `undici.request` of the same pages (same URL, parameters and page tokens, a
 *   valid access token), parsing each page's JSON to find the next page token;
 * - upsert: the rows such a sync writes (contacts, field values, list memberships, links),
 *   prepared beforehand, in multi-row INSERT … ON CONFLICT statements of 500 rows, one
 *   transaction per page, through the store's own SqlClient.
 * All three are counted in source contacts (skipped ones included) per second.
 */
import googleContacts, { personFields } from "@autoimport/connector-google-contacts"
import type { GoogleFake } from "@autoimport/connector-google-contacts/fake"
import { AccountId, type ImportId, type ListId } from "@autoimport/core/Domain"
import { Store } from "@autoimport/core/Store"
import * as Email from "@autoimport/core/Email"
import { contentHash } from "@autoimport/core/internal/hash"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Arr from "effect/Array"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Redacted from "effect/Redacted"
import { request } from "undici"
import { engineFor, importOf, pageSize, perSecond, syncAll, timed } from "./Bench.js"
import { type FakeAccount, fakeOf } from "./FakeServer.js"

/** Rows per statement, as the store writes them. */
const rowsPerStatement = 500

export interface Trial {
  readonly contacts: number
  readonly fetchPerSecond: number
  readonly upsertPerSecond: number
  readonly endToEndPerSecond: number
  /** Of the end-to-end time, the share spent in the store's `loadLinks` and `commitPage`. */
  readonly storeShare: number
  /** CPU time of the syncing process per source contact, in microseconds: unlike speed, hardly moved by a busy machine. */
  readonly cpuMicrosPerContact: number
}

interface ListPage {
  readonly connections?: ReadonlyArray<unknown>
  readonly nextPageToken?: string
}

/** Every page of the account's full listing, the way the connector asks for them; returns the people fetched. */
export const rawFetch = (url: string, fake: GoogleFake) =>
  Effect.promise(async () => {
    const grant = await request(`${url}/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        client_id: fake.credentials.clientId,
        client_secret: Redacted.value(fake.credentials.clientSecret),
        refresh_token: Redacted.value(fake.credentials.refreshToken)
      }).toString()
    })
    const { access_token } = (await grant.body.json()) as { access_token: string }
    let people = 0
    let pageToken: string | undefined
    do {
      const params = new URLSearchParams({
        personFields,
        pageSize: String(pageSize),
        sortOrder: "LAST_MODIFIED_ASCENDING",
        requestSyncToken: "true",
        ...(pageToken === undefined ? {} : { pageToken })
      })
      const response = await request(`${url}/v1/people/me/connections?${params}`, {
        headers: { authorization: `Bearer ${access_token}`, accept: "application/json" }
      })
      if (response.statusCode !== 200) throw new Error(`raw fetch: HTTP ${response.statusCode}: ${await response.body.text()}`)
      const page = (await response.body.json()) as ListPage
      people += page.connections?.length ?? 0
      pageToken = page.nextPageToken
    } while (pageToken !== undefined)
    return people
  })

interface PageRows {
  readonly records: number
  readonly contacts: ReadonlyArray<{
    readonly email: string
    readonly first_name: string | null
    readonly last_name: string | null
    readonly phone: string | null
    readonly fields: ReadonlyArray<readonly [number, string]>
  }>
  readonly links: ReadonlyArray<{ readonly external_id: string; readonly email: string; readonly hash: string }>
}

/** The rows a sync of `fake` writes, page by page, from its truth model (outside any timing). */
const rowsOf = (fake: GoogleFake, fieldIds: ReadonlyMap<string, string>, listId: ListId): Array<PageRows> =>
  Arr.chunksOf([...fake.expected()], pageSize).map((records) => {
    const contacts = new Map<string, PageRows["contacts"][number]>()
    const links: Array<PageRows["links"][number]> = []
    for (const record of records) {
      const normalized = record.email === null ? undefined : Email.normalize(record.email)
      if (normalized === undefined || Either.isLeft(normalized)) continue
      const email = normalized.right
      const fields = Object.entries(record.fields).flatMap(([key, value]) => value === null || value === "" ? [] : [[Number(fieldIds.get(key)), value] as const])
      contacts.delete(email)
      contacts.set(email, { email, first_name: record.firstName || null, last_name: record.lastName || null, phone: record.phone || null, fields })
      const hash = contentHash({
        externalId: record.externalId,
        email,
        firstName: record.firstName || undefined,
        lastName: record.lastName || undefined,
        phone: record.phone || undefined,
        fieldValues: fields.map(([id, value]) => ({ fieldId: String(id) as never, value })),
        previousExternalIds: []
      }, [listId])
      links.push({ external_id: record.externalId, email, hash })
    }
    return { records: records.length, contacts: [...contacts.values()], links }
  })

/** Writes the prepared pages into `accountId` with plain multi-row upserts; returns the source records covered. */
const rawUpsert = (pages: ReadonlyArray<PageRows>, accountId: string, importId: ImportId, listId: ListId) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const importKey = Number(importId)
    const listKey = Number(listId)
    let records = 0
    for (const page of pages) {
      yield* sql.withTransaction(Effect.gen(function*() {
        const ids = new Map<string, number>()
        const now = Date.now()
        for (const batch of Arr.chunksOf(page.contacts, rowsPerStatement)) {
          const rows = yield* sql<{ id: unknown; email: string }>`INSERT INTO contacts ${
            sql.insert(batch.map((c) => ({
              account_id: accountId,
              email: c.email,
              first_name: c.first_name,
              last_name: c.last_name,
              phone: c.phone,
              created_at: now,
              updated_at: now
            })))
          } ON CONFLICT (account_id, email) DO UPDATE SET first_name = excluded.first_name,
              last_name = excluded.last_name, phone = excluded.phone, updated_at = excluded.updated_at
            RETURNING id, email`
          for (const row of rows) ids.set(row.email, Number(row.id))
        }
        const values = page.contacts.flatMap((c) => c.fields.map(([fieldId, value]) => ({ contact_id: ids.get(c.email)!, field_id: fieldId, value })))
        for (const batch of Arr.chunksOf(values, rowsPerStatement)) {
          yield* sql`INSERT INTO field_values ${sql.insert(batch)}
            ON CONFLICT (contact_id, field_id) DO UPDATE SET value = excluded.value`
        }
        const memberships = [...ids.values()].map((id) => ({ contact_id: id, list_id: listKey, status: "active" }))
        for (const batch of Arr.chunksOf(memberships, rowsPerStatement)) {
          yield* sql`INSERT INTO contact_lists ${sql.insert(batch)} ON CONFLICT (contact_id, list_id) DO NOTHING`
        }
        const links = page.links.map((l) => ({ import_id: importKey, external_id: l.external_id, contact_id: ids.get(l.email)!, hash: l.hash }))
        for (const batch of Arr.chunksOf(links, rowsPerStatement)) {
          yield* sql`INSERT INTO import_links ${sql.insert(batch)}
            ON CONFLICT (import_id, external_id) DO UPDATE SET contact_id = excluded.contact_id, hash = excluded.hash`
        }
      }))
      records += page.records
    }
    return records
  }).pipe(Effect.orDie)

/**
 * One trial on the store in context (a fresh database): the raw fetch, the raw upserts into one
 * account and the sync into another, in an order that alternates with `trial` so neither always
 * meets the fuller tables.
 */
export const trial = (url: string, account: FakeAccount, trialIndex: number) =>
  Effect.scoped(Effect.gen(function*() {
    const fake = fakeOf(account)
    const store = yield* Store
    // The store's share of the end-to-end time: its two calls per page, timed as they run.
    let storeMillis = 0
    const timedStore = <A, E>(effect: Effect.Effect<A, E>) =>
      Effect.map(timed(effect), ([millis, a]) => {
        storeMillis += millis
        return a
      })
    const h = yield* engineFor(url, {
      ...store,
      loadLinks: (importId, externalIds) => timedStore(store.loadLinks(importId, externalIds)),
      commitPage: (write) => timedStore(store.commitPage(write))
    })

    const [fetchMillis, fetched] = yield* timed(rawFetch(url, fake))

    const rawAccount = AccountId.make("raw")
    const rawImport = yield* h.createImport({ accountId: rawAccount, connector: googleContacts, name: "raw", config: {} })
    const fields = yield* h.store.ensureFields(rawAccount, googleContacts, googleContacts.fields)
    const pages = rowsOf(fake, new Map([...fields].map(([key, field]) => [key, field.id])), rawImport.listId)
    const upsert = timed(rawUpsert(pages, rawAccount, rawImport.importId, rawImport.listId))

    const importId = yield* importOf(h, "e2e", account)
    const endToEnd = timed(syncAll(h, importId))

    const [[upsertMillis, upserted], [syncMillis, run, syncCpuMillis], syncStoreMillis] = trialIndex % 2 === 0
      ? yield* Effect.all([upsert, endToEnd, Effect.sync(() => storeMillis)])
      : yield* Effect.map(Effect.all([endToEnd, Effect.sync(() => storeMillis), upsert]), ([e, m, u]) => [u, e, m] as const)
    if (fetched !== account.size || upserted !== account.size || run.counts.fetched !== account.size) {
      return yield* Effect.dieMessage(`expected ${account.size} contacts everywhere, got fetch ${fetched}, upsert ${upserted}, sync ${run.counts.fetched}`)
    }
    return {
      contacts: account.size,
      fetchPerSecond: perSecond(fetched, fetchMillis),
      upsertPerSecond: perSecond(upserted, upsertMillis),
      endToEndPerSecond: perSecond(run.counts.fetched, syncMillis),
      storeShare: Math.round((syncStoreMillis / syncMillis) * 100) / 100,
      cpuMicrosPerContact: Math.round((syncCpuMillis * 1000) / run.counts.fetched)
    } satisfies Trial
  }))
