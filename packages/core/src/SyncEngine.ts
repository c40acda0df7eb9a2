/**
 * One sync of one import (docs/design.md §4): lease → pull pages from the committed cursor within the
 * batch cap → per page normalize, validate, map fields and commit in one transaction → record
 * the run. Rules R1–R6, R9 and R10 meet here.
 */
import type * as HttpClient from "@effect/platform/HttpClient"
import * as Cause from "effect/Cause"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Ref from "effect/Ref"
import * as Schedule from "effect/Schedule"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { type AnyConnector, Connectors, decodeConfig, type Page } from "./Connector.js"
import {
  type CustomField,
  type ExternalId,
  type Import,
  type ImportId,
  type NormalizedEmail,
  type RunId,
  type RunOutcome,
  Skip,
  type SourceContact,
  type SyncRun
} from "./Domain.js"
import * as Email from "./Email.js"
import { ContactLimitReached, type ImportNotFound, type LeaseLost, SyncInProgress } from "./Errors.js"
import { contentHash } from "./internal/hash.js"
import { outcomeOf } from "./Outcome.js"
import { RateLimiter } from "./RateLimiter.js"
import * as Redact from "./Redact.js"
import { type ContactWrite, type LeaseToken, type PageWrite, Store } from "./Store.js"

export const defaultBatchCap = 500

export interface SyncOptions {
  /** Most source records one sync processes (R2). Default 500. */
  readonly batchCap?: number
  /** Who runs the sync, recorded in the run history and used for the lease. */
  readonly owner?: string
  /**
   * How long the lease holds without renewal. A heartbeat renews it every third of that while
   * the sync runs, so a killed runner blocks its imports for at most this long. Default 1 minute.
   */
  readonly leaseTtlMillis?: number
}

export interface SyncReport {
  readonly run: SyncRun
  /** When the service asked us to wait (Retry-After), in milliseconds from the end of the run. */
  readonly retryAfterMillis: number | undefined
}

interface RunState {
  resynced: boolean
}

/** What a run writes under: its own run row and the fencing token of the lease it holds. */
interface RunContext {
  readonly runId: RunId
  readonly lease: LeaseToken
}

/** What stopped a run before the source was caught up, as recorded in its history. */
interface Stop {
  readonly outcome: Exclude<RunOutcome, "running">
  readonly stopTag: string | null
  readonly message: string | null
  readonly retryAfterMillis?: number | undefined
}

export class SyncEngine extends Effect.Service<SyncEngine>()("@autoimport/core/SyncEngine", {
  effect: Effect.gen(function*() {
    const store = yield* Store
    const connectors = yield* Connectors
    const pullContext = yield* Effect.context<HttpClient.HttpClient | RateLimiter>()
    /** Which values of an import's config are secret is its connector's to say; not loaded: every string. */
    const importSecrets = (imp: Import): ReadonlyArray<string> => {
      const loaded = connectors.all.find((l) => l.connector.id === imp.connectorId)
      return Redact.secretsOf(loaded?.connector.config, imp.config)
    }

    const sync = (importId: ImportId, options: SyncOptions = {}): Effect.Effect<SyncReport, ImportNotFound | SyncInProgress> =>
      Effect.gen(function*() {
        const batchCap = options.batchCap ?? defaultBatchCap
        const owner = options.owner ?? "autoimport"
        const leaseTtl = options.leaseTtlMillis ?? 60_000
        const imp = yield* store.getImport(importId)
        const now = yield* currentDate
        const acquired = yield* store.acquireLease(importId, owner, now, leaseTtl)
        if (Option.isNone(acquired)) {
          return yield* Effect.fail(new SyncInProgress({ importId }))
        }
        const lease = acquired.value
        return yield* Effect.gen(function*() {
          yield* store.interruptStaleRuns(importId, now)
          const runId = yield* store.startRun(importId, owner, now)
          const state: RunState = { resynced: false }
          // The lease renews only under the token this sync took: once another runner took it
          // (or the import was deleted) this fails, and every page would be refused anyway.
          const renewLease = Effect.flatMap(currentDate, (at) => store.renewLease(importId, lease, at, leaseTtl))

          // The heartbeat keeps the lease through a long page (a slow service, a long rate-limit
          // pause) and ends the run as soon as the lease is gone, even while no page arrives. A
          // database hiccup only skips one beat: losing the lease is the one reason to stop.
          const heartbeat = Effect.repeat(
            renewLease.pipe(Effect.catchAllDefect((defect) => Effect.logWarning("could not renew the lease", Cause.die(defect)))),
            Schedule.spaced(Math.max(1, Math.floor(leaseTtl / 3)))
          ).pipe(Effect.zipRight(Effect.never))
          // The secrets of the config the run started with and of the one stored now (a rotated token).
          const secretsNow = Effect.map(
            Effect.option(store.getImport(importId)),
            (current) => [...importSecrets(imp), ...Option.match(current, { onNone: () => [], onSome: importSecrets })]
          )
          const stopped: Stop = yield* Effect.raceFirst(runPages(imp, batchCap, state, { runId, lease }, renewLease), heartbeat).pipe(
            Effect.flatMap((processed) => caughtUpOrCapped(imp, processed, batchCap)),
            Effect.catchAll((error): Effect.Effect<Stop> =>
              Effect.succeed({
                outcome: outcomeOf(error),
                stopTag: error._tag,
                message: error.message,
                retryAfterMillis: error._tag === "RateLimited" ? error.retryAfterMillis : undefined
              })
            ),
            Effect.catchAllDefect((defect) =>
              Effect.flatMap(secretsNow, (secrets) => Effect.logError(`sync failed with a defect: ${Redact.prettyCause(Cause.die(defect), secrets)}`)).pipe(
                Effect.annotateLogs({ importId }),
                Effect.as<Stop>({ outcome: "failed", stopTag: "Defect", message: defectMessage(defect) })
              )
            ),
            Effect.onInterrupt(() =>
              Effect.flatMap(currentDate, (finishedAt) =>
                store.finishRun(runId, {
                  outcome: "interrupted",
                  stopTag: null,
                  message: "the runner stopped during this run; the next run continues from the last committed page",
                  resynced: state.resynced,
                  finishedAt
                })
              )
            )
          )
          const finishedAt = yield* currentDate
          // A service's text may echo the credentials: never stored (nor shown) as it came.
          const stop: Stop = yield* Effect.map(secretsNow, (secrets) => ({
            ...stopped,
            message: stopped.message === null ? null : Redact.forStorage(stopped.message, secrets)
          }))
          yield* store.finishRun(runId, { ...stop, resynced: state.resynced, finishedAt })
          // An interrupted run no longer speaks for the import (it may be deleted or another
          // sync's now), so it leaves the import's status alone.
          if (stop.outcome === "needs-attention") {
            yield* store.updateImport(importId, { status: "needs-attention", statusReason: stop.message }, finishedAt)
          } else if (imp.status !== "active" && stop.outcome !== "failed" && stop.outcome !== "interrupted") {
            yield* store.updateImport(importId, { status: "active", statusReason: null }, finishedAt)
          }
          // Its own run, not the import's newest: a fenced sync must not report its successor's.
          return { run: yield* store.getRun(runId), retryAfterMillis: stop.retryAfterMillis }
        }).pipe(Effect.scoped, Effect.ensuring(store.releaseLease(importId, lease)))
      })

    /**
     * How a run that went through its pages ended. Records still waiting for room under a full
     * contact limit mean the import is not caught up: the run says so (R5), while the updates
     * went on. Waiting records with room left (the budget ran out, or some of those added were
     * updates) follow in the next syncs like a batch-capped backlog.
     */
    const caughtUpOrCapped = (imp: Import, processed: number, batchCap: number) =>
      Effect.gen(function*() {
        const waiting = yield* store.countDeferred(imp.id)
        const account = Option.getOrUndefined(yield* store.getAccount(imp.accountId))
        const limit = account?.contactLimit ?? null
        const full = limit !== null && account !== undefined && account.contactCount >= limit
        const limited = waiting > 0 && full ? new ContactLimitReached({ limit, deferred: waiting }) : null
        if (processed >= batchCap || (waiting > 0 && !full)) {
          const rest = [
            ...(processed >= batchCap ? [`batch cap of ${batchCap} reached; the rest follows in the next syncs`] : []),
            limited === null
              ? waiting > 0 ? `${waiting} new contact(s) that waited for room follow in the next syncs` : null
              : limited.message
          ].filter((part) => part !== null)
          return { outcome: "batch-cap", stopTag: null, message: rest.join("; ") } satisfies Stop
        }
        return limited === null
          ? { outcome: "caught-up", stopTag: null, message: null } satisfies Stop
          : { outcome: outcomeOf(limited), stopTag: limited._tag, message: limited.message } satisfies Stop
      })

    /**
     * Adds deferred records first once the account has room, oldest first, at most the room
     * there is and the budget (they count against the batch cap like fetched records). Their
     * values are the latest the source delivered; the hash is taken again because the import's
     * lists may have changed meanwhile. Returns how many were taken.
     */
    const drainDeferred = (imp: Import, budget: number, run: RunContext) =>
      Effect.gen(function*() {
        const account = yield* store.getAccount(imp.accountId)
        const room = Option.match(account, {
          onNone: () => 0,
          onSome: (a) => (a.contactLimit === null ? budget : Math.max(0, a.contactLimit - a.contactCount))
        })
        const take = Math.min(budget, room)
        if (take === 0) return 0
        const waiting = yield* store.loadDeferred(imp.id, take)
        if (waiting.length === 0) return 0
        yield* Effect.uninterruptible(store.commitPage({
          accountId: imp.accountId,
          importId: imp.id,
          runId: run.runId,
          lease: run.lease,
          fetched: 0,
          listIds: imp.listIds,
          contacts: waiting.map((record) => ({ ...record, hash: contentHash(record, imp.listIds) })),
          deletions: [],
          skips: [],
          unchanged: [],
          cursor: Option.none(),
          now: yield* currentDate
        }))
        return waiting.length
      })

    /**
     * Adds what waited for room, then pulls and commits pages until caught up or the cap is
     * reached; returns the records processed (deferred ones added, plus those fetched).
     */
    const runPages = (
      imp: Import,
      batchCap: number,
      state: RunState,
      run: RunContext,
      renewLease: Effect.Effect<void, LeaseLost>
    ) =>
      Effect.gen(function*() {
        const { connector, settings } = yield* connectors.get(imp.connectorId)
        const where = `import ${imp.id} ("${imp.name}") config`
        const config = yield* decodeConfig(connector, where, imp.config)
        const fields = yield* store.ensureFields(imp.accountId, connector, connector.fields)
        const drained = yield* drainDeferred(imp, batchCap, run)
        const fetched = yield* Ref.make(drained)

        const saveConfig = (next: unknown) =>
          Schema.encode(connector.config)(next).pipe(
            Effect.orDie,
            Effect.flatMap((encoded) => Effect.flatMap(currentDate, (at) => store.updateImport(imp.id, { config: encoded }, at))),
            Effect.orDie,
            Effect.asVoid
          )

        const pullFrom = (cursor: Option.Option<unknown>) =>
          Effect.flatMap(Ref.get(fetched), (done) =>
            connector.pull({ settings, config, cursor, budget: batchCap - done, saveConfig }).pipe(
              Stream.mapEffect((page) =>
                Effect.gen(function*() {
                  const before = yield* Ref.getAndUpdate(fetched, (n) => n + page.records.length)
                  if (before + page.records.length > batchCap) {
                    return yield* Effect.die(
                      new Error(`connector ${connector.id} delivered more records than the budget of ${batchCap - before}`)
                    )
                  }
                  yield* commit(imp, connector, fields, page, run)
                  yield* renewLease
                }), { concurrency: 1 }),
              Stream.runDrain,
              Effect.provide(pullContext)
            ))

        const cursor = yield* Effect.flatMap(store.getCursor(imp.id), (stored) => decodeCursor(connector, stored))
        if (cursor.unreadable) state.resynced = true
        // The deferred records took the whole budget: the pages follow in the next syncs.
        if (drained >= batchCap) return drained
        yield* pullFrom(cursor.cursor).pipe(
          Effect.catchTag("CursorExpired", (expired) =>
            state.resynced || Option.isNone(cursor.cursor)
              ? Effect.fail(expired)
              : Effect.zipRight(
                Effect.zipRight(
                  store.resetCursor(imp.id),
                  Effect.logInfo(Redact.redact(expired.message, Redact.secretsOf(connector.config, imp.config))).pipe(
                    Effect.annotateLogs({ importId: imp.id })
                  )
                ),
                Effect.suspend(() => {
                  state.resynced = true
                  return pullFrom(Option.none())
                })
              ))
        )
        // A sync that ran past its lease without a page to commit must not report success either.
        yield* renewLease
        return yield* Ref.get(fetched)
      })

    /**
     * Normalizes one page and commits it in one transaction. New contacts beyond the contact
     * limit are deferred by the store; the run goes on, so updates on later pages are applied.
     */
    const commit = (
      imp: Import,
      connector: AnyConnector,
      fields: ReadonlyMap<string, CustomField>,
      page: Page<unknown>,
      run: RunContext
    ) =>
      Effect.gen(function*() {
        const latest = new Map<ExternalId, (typeof page.records)[number]>()
        for (const record of page.records) {
          latest.delete(record.externalId)
          latest.set(record.externalId, record)
        }
        const skips: Array<Skip> = []
        const candidates: Array<{ record: SourceContact; write: Omit<ContactWrite, "hash"> }> = []
        const deletions: Array<ExternalId> = []
        for (const record of latest.values()) {
          if (record._tag === "SourceDeletion") {
            deletions.push(record.externalId)
            continue
          }
          const rawEmail = record.email?.trim() ? record.email : null
          if (rawEmail === null) {
            skips.push(new Skip({ externalId: record.externalId, reason: "MissingEmail", detail: "the record has no email address", email: null }))
            continue
          }
          const email = Email.normalize(rawEmail)
          if (Either.isLeft(email)) {
            skips.push(new Skip({ externalId: record.externalId, reason: "InvalidEmail", detail: email.left.reason, email: rawEmail }))
            continue
          }
          candidates.push({ record, write: toWrite(record, email.right, fields) })
        }
        const links = yield* store.loadLinks(
          imp.id,
          candidates.flatMap((c) => [c.record.externalId, ...c.write.previousExternalIds])
        )
        const writes: Array<ContactWrite> = []
        const unchanged: Array<ExternalId> = []
        for (const { record, write } of candidates) {
          const hash = contentHash(write, imp.listIds)
          // A service may repeat a re-key in later answers: only links still under an old id need moving.
          const rekeyed = write.previousExternalIds.some((id) => links.has(id))
          if (links.get(record.externalId)?.hash === hash && !rekeyed) {
            unchanged.push(record.externalId)
          } else {
            writes.push({ ...write, hash })
          }
        }
        const pageWrite: PageWrite = {
          accountId: imp.accountId,
          importId: imp.id,
          runId: run.runId,
          lease: run.lease,
          fetched: page.records.length,
          listIds: imp.listIds,
          contacts: writes,
          deletions,
          skips,
          unchanged,
          cursor: Option.some(Schema.encodeSync(connector.cursor)(page.cursor)),
          now: yield* currentDate
        }
        // A page commits whole or not at all; an interrupt waits for it (graceful shutdown).
        yield* Effect.uninterruptible(store.commitPage(pageWrite))
      })

    return { sync } as const
  })
}) {}

const currentDate = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

const toWrite = (
  record: SourceContact,
  email: NormalizedEmail,
  fields: ReadonlyMap<string, CustomField>
): Omit<ContactWrite, "hash"> => {
  const fieldValues: Array<ContactWrite["fieldValues"][number]> = []
  for (const [key, value] of Object.entries(record.fields)) {
    const field = fields.get(key)
    // A key the connector did not declare is a connector bug: fail loudly rather than drop data.
    if (field === undefined) throw new Error(`connector delivered undeclared field "${key}"`)
    fieldValues.push({ fieldId: field.id, value: value === null || value === "" ? null : value })
  }
  return {
    externalId: record.externalId,
    email,
    firstName: orUndefined(record.firstName),
    lastName: orUndefined(record.lastName),
    phone: orUndefined(record.phone),
    fieldValues,
    previousExternalIds: record.previousExternalIds ?? []
  }
}

const orUndefined = (value: string | null | undefined) => (value === null || value === undefined || value === "" ? undefined : value)

/** A stored cursor the connector no longer decodes (e.g. after an upgrade) means a full resync. */
const decodeCursor = (connector: AnyConnector, stored: Option.Option<unknown>) =>
  Option.match(stored, {
    onNone: () => Effect.succeed({ cursor: Option.none<unknown>(), unreadable: false }),
    onSome: (json) =>
      Schema.decodeUnknown(connector.cursor)(json).pipe(
        Effect.map((cursor) => ({ cursor: Option.some<unknown>(cursor), unreadable: false })),
        Effect.catchAll((error) =>
          Effect.logWarning(`stored cursor no longer decodes, starting a full resync: ${error.message}`).pipe(
            Effect.as({ cursor: Option.none<unknown>(), unreadable: true })
          )
        )
      )
  })

const defectMessage = (defect: unknown): string =>
  `internal error: ${defect instanceof Error ? defect.message : String(defect)} (see the runner's log)`

