/**
 * The read models the CLI and the admin API both show: plain JSON values, secrets masked.
 */
import { Connector, type Domain, Naming, Store } from "@autoimport/core"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Secrets from "./Secrets.js"
import { defaultAccountId } from "./Setup.js"

export class UnknownList extends Schema.TaggedError<UnknownList>()("UnknownList", {
  name: Schema.String,
  known: Schema.Array(Schema.String)
}) {
  override get message() {
    return `there is no list named "${this.name}"${this.known.length ? ` (lists: ${this.known.join(", ")})` : " (there are no lists yet)"}`
  }
}

export interface ImportView {
  readonly id: string
  readonly name: string
  readonly connector: string
  readonly lists: ReadonlyArray<string>
  readonly status: Domain.ImportStatus
  readonly statusReason: string | null
  /** The config with every secret as `<redacted>`; null when it cannot be decoded (see configNote). */
  readonly config: unknown
  readonly configNote: string | null
  readonly lastRunAt: string | null
  readonly nextRunAt: string | null
  readonly createdAt: string
  readonly updatedAt: string
  /** Set for a deleted import (listed with `--all`): it never syncs again; its history stays. */
  readonly deletedAt: string | null
  /** New contacts of this import waiting for room under the account's contact limit (R5). */
  readonly deferred: number
}

export const importView = (imp: Domain.Import) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const connectors = yield* Connector.Connectors
    const lists = yield* store.listLists(imp.accountId)
    const schedule = yield* store.getSchedule(imp.id).pipe(Effect.option)
    const masked = Secrets.maskImportConfig(imp, connectors)
    return {
      id: imp.id,
      name: imp.name,
      connector: imp.connectorId,
      lists: imp.listIds.map((id) => lists.find((l) => l.id === id)?.name ?? id),
      status: imp.status,
      statusReason: imp.statusReason,
      config: masked._tag === "Masked" ? masked.value : null,
      configNote: masked._tag === "Masked" ? null : masked.reason,
      lastRunAt: iso(Option.getOrNull(Option.flatMapNullable(schedule, (s) => s.lastRunAt))),
      nextRunAt: iso(Option.getOrNull(Option.flatMapNullable(schedule, (s) => s.nextRunAt))),
      createdAt: imp.createdAt.toISOString(),
      updatedAt: imp.updatedAt.toISOString(),
      deletedAt: iso(imp.deletedAt),
      deferred: yield* store.countDeferred(imp.id)
    } satisfies ImportView
  })

/** The imports; deleted ones too with `includeDeleted`. */
export const imports = (options: { readonly includeDeleted?: boolean } = {}) =>
  Effect.flatMap(Store.Store, (store) =>
    Effect.flatMap(store.listImports(defaultAccountId, options), (all) => Effect.forEach(all, importView)))

export const importById = (id: string) =>
  Effect.flatMap(Store.Store, (store) => Effect.flatMap(store.getImport(id as Domain.ImportId), importView))

export interface SkipView {
  readonly externalId: string
  readonly reason: Domain.SkipReason
  readonly detail: string
  readonly email: string | null
}

export interface RunView {
  readonly id: string
  readonly importId: string
  readonly startedAt: string
  readonly finishedAt: string | null
  readonly durationMillis: number | null
  readonly outcome: Domain.RunOutcome
  readonly fetched: number
  readonly added: number
  readonly updated: number
  readonly unchanged: number
  readonly skipped: number
  readonly deleted: number
  readonly deferred: number
  /** What stopped the run (an error tag such as `RateLimited`), if anything did. */
  readonly stopTag: string | null
  readonly message: string | null
  readonly resynced: boolean
  readonly owner: string
  readonly skips?: ReadonlyArray<SkipView>
}

export const runView = (run: Domain.SyncRun): RunView => ({
  id: run.id,
  importId: run.importId,
  startedAt: run.startedAt.toISOString(),
  finishedAt: iso(run.finishedAt),
  durationMillis: run.finishedAt === null ? null : run.finishedAt.getTime() - run.startedAt.getTime(),
  outcome: run.outcome,
  ...run.counts,
  stopTag: run.stopTag,
  message: run.message,
  resynced: run.resynced,
  owner: run.owner
})

const skipView = (skip: Domain.Skip): SkipView => ({
  externalId: skip.externalId,
  reason: skip.reason,
  detail: skip.detail,
  email: skip.email
})

export interface RunHistory {
  readonly importId: string
  readonly importName: string
  /** The import was deleted then; its runs and skips stay readable (R8, R9). */
  readonly deletedAt: string | null
  /** Newest first. */
  readonly runs: ReadonlyArray<RunView>
}

/** An import's runs, newest first; a deleted import's too. */
export const runs = (importId: string, options: { readonly limit: number; readonly skips: boolean }) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const imp = yield* store.getImport(importId as Domain.ImportId, { includeDeleted: true })
    const history = yield* store.listRuns(imp.id, options.limit)
    const runs = yield* Effect.forEach(history, (run) =>
      options.skips
        ? Effect.map(store.listSkips(run.id), (skips): RunView => ({ ...runView(run), skips: skips.map(skipView) }))
        : Effect.succeed(runView(run)))
    return { importId: imp.id, importName: imp.name, deletedAt: iso(imp.deletedAt), runs } satisfies RunHistory
  })

export interface ContactJson {
  readonly id: string
  readonly email: string
  readonly firstName: string | null
  readonly lastName: string | null
  readonly phone: string | null
  /** Custom field values by personalization tag. */
  readonly fields: Readonly<Record<string, string>>
  readonly lists: ReadonlyArray<{ readonly name: string; readonly status: Domain.MembershipStatus }>
  readonly createdAt: string
  readonly updatedAt: string
}

export interface ContactsView {
  readonly contacts: ReadonlyArray<ContactJson>
  /** How many contacts match the query in all; more than `contacts.length` when the limit cut the list. */
  readonly total: number
  /**
   * With an email search: the source records with that email that were skipped, newest first —
   * the answer to "why is this contact not here?" (R9).
   */
  readonly skipped: ReadonlyArray<SkipView & { readonly importId: string; readonly runId: string; readonly at: string }>
}

export const listIdByName = (name: string) =>
  Effect.gen(function*() {
    const lists = yield* Effect.flatMap(Store.Store, (store) => store.listLists(defaultAccountId))
    const found = lists.find((l) => l.name === name) ?? lists.find((l) => l.name.toLowerCase() === name.toLowerCase())
    return found === undefined ? yield* new UnknownList({ name, known: lists.map((l) => l.name) }) : found.id
  })

export const contacts = (query: { readonly email?: string | undefined; readonly list?: string | undefined; readonly limit: number }) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const listId = query.list === undefined ? undefined : yield* listIdByName(query.list)
    const filter = {
      accountId: defaultAccountId,
      ...(query.email === undefined ? {} : { email: query.email }),
      ...(listId === undefined ? {} : { listId })
    }
    const found = yield* store.listContacts({ ...filter, limit: query.limit })
    const total = found.length < query.limit ? found.length : yield* store.countMatchingContacts(filter)
    const skipped = query.email === undefined ? [] : yield* store.findSkips(defaultAccountId, query.email)
    return {
      contacts: found.map((c): ContactJson => ({
        id: c.id,
        email: c.email,
        firstName: c.firstName,
        lastName: c.lastName,
        phone: c.phone,
        fields: c.fields,
        lists: c.lists.map((l) => ({ name: l.name, status: l.status })),
        createdAt: c.createdAt.toISOString(),
        updatedAt: c.updatedAt.toISOString()
      })),
      total,
      skipped: skipped.map((s) => ({ ...skipView(s), importId: s.importId, runId: s.runId, at: s.at.toISOString() }))
    } satisfies ContactsView
  })

export interface FieldView {
  readonly id: string
  readonly title: string
  readonly tag: string
  readonly connector: string | null
  readonly key: string | null
  readonly type: Domain.FieldType
}

export const fields = Effect.flatMap(Store.Store, (store) =>
  Effect.map(store.listFields(defaultAccountId), (all) =>
    all.map((f): FieldView => ({ id: f.id, title: f.title, tag: f.tag, connector: f.connectorId, key: f.key, type: f.type }))))

export const lists = Effect.flatMap(Store.Store, (store) =>
  Effect.map(store.listLists(defaultAccountId), (all) => all.map((l) => ({ id: l.id, name: l.name }))))

export const account = Effect.flatMap(Store.Store, (store) =>
  Effect.map(store.ensureAccount(defaultAccountId), (a) => ({
    id: a.id,
    contactLimit: a.contactLimit,
    contactCount: a.contactCount,
    /** New contacts waiting for room under the limit, over all imports (R5). */
    deferredCount: a.deferredCount
  })))

export interface ConnectorView {
  readonly id: string
  readonly name: string
  readonly version: string
  readonly deletions: string
  /** Each field with the custom field title and personalization tag it has (or will get) in the account (R3). */
  readonly fields: ReadonlyArray<{ readonly key: string; readonly label: string; readonly type: string; readonly title: string; readonly tag: string }>
  /** How many imports are set up for this service (R7). */
  readonly imports: number
}

export const connectors = Effect.gen(function*() {
  const store = yield* Store.Store
  const loaded = yield* Connector.Connectors
  const existing = yield* store.listFields(defaultAccountId)
  const all = yield* store.listImports(defaultAccountId)
  return loaded.all.map(({ connector }): ConnectorView => ({
    id: connector.id,
    name: connector.name,
    version: connector.version,
    deletions: connector.deletions,
    fields: connector.fields.map((f) => {
      const field = existing.find((e) => e.connectorId === connector.id && e.key === f.key)
      const name = field ?? Naming.resolveFieldName(connector.name, f.label, { titles: new Set(), tags: new Set() })
      return { key: f.key, label: f.label, type: f.type, title: name.title, tag: name.tag }
    }),
    imports: all.filter((i) => i.connectorId === connector.id).length
  }))
})

const iso = (date: Date | null) => (date === null ? null : date.toISOString())
