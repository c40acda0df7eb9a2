/**
 * The persistence the sync engine, the runner and the CLI need. `@autoimport/store-sql`
 * implements it on SQLite and Postgres; the same contract test suite runs on both.
 *
 * Infrastructure failures (database down, constraint bugs) are defects: the operations below
 * only fail with the errors in their signature.
 */
import * as Context from "effect/Context"
import type * as Effect from "effect/Effect"
import type * as Option from "effect/Option"
import type {
  Account,
  AccountId,
  ConnectorId,
  ContactId,
  ContactView,
  CustomField,
  ExternalId,
  FieldDefinition,
  FieldId,
  Import,
  ImportId,
  ImportSchedule,
  List,
  ListId,
  NormalizedEmail,
  RunId,
  RunOutcome,
  Skip,
  SyncRun
} from "./Domain.js"
import type { ImportNotFound, LeaseLost } from "./Errors.js"

export interface NewImport {
  readonly accountId: AccountId
  readonly connectorId: ConnectorId
  readonly name: string
  /** The connector's encoded config; the store encrypts it at rest. */
  readonly config: unknown
  readonly listIds: ReadonlyArray<ListId>
}

export interface ImportPatch {
  readonly name?: string
  readonly config?: unknown
  readonly listIds?: ReadonlyArray<ListId>
  readonly status?: Import["status"]
  readonly statusReason?: string | null
}

/** What the engine knows of one (import, external id) before writing a page. */
export interface LinkState {
  readonly contactId: ContactId
  readonly email: NormalizedEmail
  readonly hash: string
}

/** One source contact to write, already normalized. `undefined` leaves a column as it is. */
export interface ContactWrite {
  readonly externalId: ExternalId
  readonly email: NormalizedEmail
  readonly firstName: string | undefined
  readonly lastName: string | undefined
  readonly phone: string | undefined
  /** null deletes the field's value. */
  readonly fieldValues: ReadonlyArray<{ readonly fieldId: FieldId; readonly value: string | null }>
  /** Fingerprint of everything written for this record: equal hash means nothing to write. */
  readonly hash: string
  /** Links to move to `externalId` first (the service re-keyed the record). */
  readonly previousExternalIds: ReadonlyArray<ExternalId>
}

/** A source record set aside because the contact limit left no room for it (R5). */
export type DeferredRecord = Omit<ContactWrite, "hash">

/**
 * The fencing token of an import's lease: it grows each time the lease is taken, and every
 * page carries the one its sync holds, so a sync that lost its lease cannot write.
 */
export type LeaseToken = number

export interface PageWrite {
  readonly accountId: AccountId
  readonly importId: ImportId
  readonly runId: RunId
  /** The lease this write happens under; the page is refused (`LeaseLost`) when it is no longer held. */
  readonly lease: LeaseToken
  /** Source records this page stands for, added to the run's `fetched` (0 for deferred ones drained). */
  readonly fetched: number
  /** Lists every written contact joins as `active`, unless it is unsubscribed there (R6). */
  readonly listIds: ReadonlyArray<ListId>
  /**
   * In source order, at most one per external id. Emails may repeat within a page (two source
   * records with one address): they are applied in order, so the later record's values win
   * and both records link to the one contact.
   */
  readonly contacts: ReadonlyArray<ContactWrite>
  /** Links to remove: the source deleted these records (contacts stay). */
  readonly deletions: ReadonlyArray<ExternalId>
  readonly skips: ReadonlyArray<Skip>
  /** Records the engine found unchanged: counted, and any deferred copy of them is dropped. */
  readonly unchanged: ReadonlyArray<ExternalId>
  /** The connector's encoded cursor to commit with the page; none keeps the stored one. */
  readonly cursor: Option.Option<unknown>
  readonly now: Date
}

export interface PageResult {
  readonly added: number
  readonly updated: number
  readonly deleted: number
  /**
   * New contacts that did not fit under the account's contact limit, in source order. They are
   * stored as deferred records of the import (the cursor moves on) and added, with their latest
   * values, once there is room (R5).
   */
  readonly deferred: ReadonlyArray<ExternalId>
}

/** How a run ended. Its counts are not here: every page adds its own in its transaction. */
export interface RunFinish {
  readonly outcome: Exclude<RunOutcome, "running">
  readonly stopTag: string | null
  readonly message: string | null
  readonly resynced: boolean
  readonly finishedAt: Date
}

export interface ImportLookup {
  readonly includeDeleted?: boolean
}

export interface ContactQuery {
  readonly accountId: AccountId
  readonly email?: string
  readonly listId?: ListId
  readonly limit?: number
}

export interface StoreShape {
  // accounts and lists
  readonly ensureAccount: (id: AccountId) => Effect.Effect<Account>
  readonly getAccount: (id: AccountId) => Effect.Effect<Option.Option<Account>>
  readonly setContactLimit: (id: AccountId, limit: number | null) => Effect.Effect<Account>
  readonly ensureList: (accountId: AccountId, name: string) => Effect.Effect<List>
  readonly listLists: (accountId: AccountId) => Effect.Effect<ReadonlyArray<List>>

  // custom fields (R3)
  readonly listFields: (accountId: AccountId) => Effect.Effect<ReadonlyArray<CustomField>>
  /**
   * The account's fields for these definitions of a connector, creating the missing ones
   * (title and tag by `Naming.resolveFieldName`) atomically: concurrent calls never duplicate.
   */
  readonly ensureFields: (
    accountId: AccountId,
    connector: { readonly id: ConnectorId; readonly name: string },
    definitions: ReadonlyArray<FieldDefinition>
  ) => Effect.Effect<ReadonlyMap<string, CustomField>>

  // imports
  readonly createImport: (input: NewImport, now: Date) => Effect.Effect<Import>
  /** A deleted import is not found, unless `includeDeleted` (to read its history). */
  readonly getImport: (id: ImportId, options?: ImportLookup) => Effect.Effect<Import, ImportNotFound>
  readonly listImports: (accountId?: AccountId, options?: ImportLookup) => Effect.Effect<ReadonlyArray<Import>>
  readonly updateImport: (id: ImportId, patch: ImportPatch, now: Date) => Effect.Effect<Import, ImportNotFound>
  /**
   * Stops the import for good and fences a sync in flight (its next page is refused); its
   * contacts, runs and skips stay, its deferred records go.
   */
  readonly deleteImport: (id: ImportId) => Effect.Effect<void, ImportNotFound>

  // sync state
  readonly getCursor: (id: ImportId) => Effect.Effect<Option.Option<unknown>>
  /**
   * Forgets the cursor (a full resync), e.g. after the service's sync token expired, and the
   * deferred records with it: the resync delivers again every record that still exists.
   */
  readonly resetCursor: (id: ImportId) => Effect.Effect<void>
  /**
   * Takes the import's lease when it is free, expired, or already `owner`'s, with a new
   * fencing token (which fences any earlier holder, even the same owner). None: held elsewhere,
   * or the import is deleted.
   */
  readonly acquireLease: (id: ImportId, owner: string, now: Date, ttlMillis: number) => Effect.Effect<Option.Option<LeaseToken>>
  /** Extends the lease while `token` is still the current one. */
  readonly renewLease: (id: ImportId, token: LeaseToken, now: Date, ttlMillis: number) => Effect.Effect<void, LeaseLost>
  /** Frees the lease if `token` is still the current one (a fenced holder frees nothing). */
  readonly releaseLease: (id: ImportId, token: LeaseToken) => Effect.Effect<void>
  readonly getSchedule: (id: ImportId) => Effect.Effect<ImportSchedule, ImportNotFound>
  readonly setNextRunAt: (id: ImportId, at: Date | null) => Effect.Effect<void>
  /** Imports (not deleted) whose next run is due at `now` or never ran. */
  readonly listDueImports: (now: Date) => Effect.Effect<ReadonlyArray<ImportId>>

  /** Links of these external ids of the import (after re-keying nothing yet). */
  readonly loadLinks: (
    importId: ImportId,
    externalIds: ReadonlyArray<ExternalId>
  ) => Effect.Effect<ReadonlyMap<ExternalId, LinkState>>
  /**
   * Writes one page in one transaction, after checking that `write.lease` is still the
   * import's lease (else `LeaseLost` and nothing is written): contacts (matched by account and
   * email; new ones only while under the contact limit, the others stored as deferred
   * records), field values, list memberships, links, skips, deferred records, the run's counts
   * and the cursor.
   */
  readonly commitPage: (write: PageWrite) => Effect.Effect<PageResult, LeaseLost>
  /** The import's deferred records, oldest first (to add once there is room). */
  readonly loadDeferred: (importId: ImportId, limit: number) => Effect.Effect<ReadonlyArray<DeferredRecord>>
  readonly countDeferred: (importId: ImportId) => Effect.Effect<number>

  // run history (R9)
  readonly startRun: (importId: ImportId, owner: string, now: Date) => Effect.Effect<RunId>
  readonly finishRun: (runId: RunId, finish: RunFinish) => Effect.Effect<void>
  /** Marks the import's runs still `running` as `interrupted` (called once its lease is held). */
  readonly interruptStaleRuns: (importId: ImportId, now: Date) => Effect.Effect<number>
  readonly getRun: (runId: RunId) => Effect.Effect<SyncRun>
  readonly listRuns: (importId: ImportId, limit: number) => Effect.Effect<ReadonlyArray<SyncRun>>
  readonly listSkips: (runId: RunId) => Effect.Effect<ReadonlyArray<Skip>>
  /** Skips recorded for a source email or external id, newest first ("why is this contact not here?"). */
  readonly findSkips: (
    accountId: AccountId,
    search: string
  ) => Effect.Effect<ReadonlyArray<Skip & { readonly importId: ImportId; readonly runId: RunId; readonly at: Date }>>

  // contacts
  readonly listContacts: (query: ContactQuery) => Effect.Effect<ReadonlyArray<ContactView>>
  readonly countContacts: (accountId: AccountId) => Effect.Effect<number>
  /** How many contacts `listContacts` would return without its limit (so a view can say how many it left out). */
  readonly countMatchingContacts: (query: Omit<ContactQuery, "limit">) => Effect.Effect<number>
  /** Sets the contact's membership to unsubscribed (in one list, or in all its lists). */
  readonly unsubscribe: (
    accountId: AccountId,
    email: NormalizedEmail,
    listId: ListId | undefined
  ) => Effect.Effect<boolean>
}

export class Store extends Context.Tag("@autoimport/core/Store")<Store, StoreShape>() {}
