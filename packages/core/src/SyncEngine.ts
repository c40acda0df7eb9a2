/**
 * One sync of one import (DESIGN §4): lease → pull pages from the committed cursor within the
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
  RunCounts,
  type RunId,
  type RunOutcome,
  Skip,
  type SourceContact,
  type SyncRun
} from "./Domain.js"
import * as Email from "./Email.js"
import { ContactLimitReached, type ImportNotFound, isTransient, needsAttention, SyncInProgress } from "./Errors.js"
import { contentHash } from "./internal/hash.js"
import { RateLimiter } from "./RateLimiter.js"
import * as Redact from "./Redact.js"
import { type ContactWrite, type PageWrite, Store } from "./Store.js"

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
  counts: RunCounts
  resynced: boolean
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
        if (!(yield* store.acquireLease(importId, owner, now, leaseTtl))) {
          return yield* Effect.fail(new SyncInProgress({ importId }))
        }
        return yield* Effect.gen(function*() {
          yield* store.interruptStaleRuns(importId, now)
          const runId = yield* store.startRun(importId, owner, now)
          const state: RunState = { counts: RunCounts.zero, resynced: false }
          // A lease that expired and went to another runner means two writers: stop at once.
          const renewLease = Effect.flatMap(currentDate, (at) => store.acquireLease(importId, owner, at, leaseTtl)).pipe(
            Effect.flatMap((held) => held ? Effect.void : Effect.die(new Error(`lost the lease of import ${importId} to another runner`)))
          )

          // The heartbeat keeps the lease through a long page (a slow service, a long rate-limit
          // pause); renewing after each page also notices a lease lost meanwhile.
          yield* Effect.forkScoped(
            Effect.repeat(Effect.ignore(renewLease), Schedule.spaced(Math.max(1, Math.floor(leaseTtl / 3))))
          )
          // The secrets of the config the run started with and of the one stored now (a rotated token).
          const secretsNow = Effect.map(
            Effect.option(store.getImport(importId)),
            (current) => [...importSecrets(imp), ...Option.match(current, { onNone: () => [], onSome: importSecrets })]
          )
          const stopped: Stop = yield* runPages(imp, batchCap, state, runId, renewLease).pipe(
            Effect.map((fetched): Stop => ({
              outcome: fetched >= batchCap ? "batch-cap" : "caught-up",
              stopTag: null,
              message: fetched >= batchCap
                ? `batch cap of ${batchCap} reached; the rest follows in the next syncs`
                : null
            })),
            Effect.catchAll((error): Effect.Effect<Stop> =>
              Effect.succeed({
                outcome: needsAttention(error) ? "needs-attention" : isTransient(error) ? "stopped" : "failed",
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
                  counts: state.counts,
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
          yield* store.finishRun(runId, { ...stop, counts: state.counts, resynced: state.resynced, finishedAt })
          if (stop.outcome === "needs-attention") {
            yield* store.updateImport(importId, { status: "needs-attention", statusReason: stop.message }, finishedAt)
          } else if (imp.status !== "active" && stop.outcome !== "failed") {
            yield* store.updateImport(importId, { status: "active", statusReason: null }, finishedAt)
          }
          const runs = yield* store.listRuns(importId, 1)
          return { run: runs[0]!, retryAfterMillis: stop.retryAfterMillis }
        }).pipe(Effect.scoped, Effect.ensuring(store.releaseLease(importId, owner)))
      })

    /** Pulls and commits pages until caught up or the cap is reached; returns records fetched. */
    const runPages = (
      imp: Import,
      batchCap: number,
      state: RunState,
      runId: RunId,
      renewLease: Effect.Effect<void>
    ) =>
      Effect.gen(function*() {
        const { connector, settings } = yield* connectors.get(imp.connectorId)
        const where = `import ${imp.id} ("${imp.name}") config`
        const config = yield* decodeConfig(connector, where, imp.config)
        const fields = yield* store.ensureFields(imp.accountId, connector, connector.fields)
        const fetched = yield* Ref.make(0)

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
                  yield* commit(imp, connector, fields, page, runId, state)
                  yield* renewLease
                }), { concurrency: 1 }),
              Stream.runDrain,
              Effect.provide(pullContext)
            ))

        const cursor = yield* Effect.flatMap(store.getCursor(imp.id), (stored) => decodeCursor(connector, stored))
        if (cursor.unreadable) state.resynced = true
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
        return yield* Ref.get(fetched)
      })

    /** Normalizes one page and commits it in one transaction; stops the run when the limit deferred a contact. */
    const commit = (
      imp: Import,
      connector: AnyConnector,
      fields: ReadonlyMap<string, CustomField>,
      page: Page<unknown>,
      runId: RunId,
      state: RunState
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
        let unchanged = 0
        for (const { record, write } of candidates) {
          const hash = contentHash(write, imp.listIds)
          // A service may repeat a re-key in later answers: only links still under an old id need moving.
          const rekeyed = write.previousExternalIds.some((id) => links.has(id))
          if (links.get(record.externalId)?.hash === hash && !rekeyed) {
            unchanged++
          } else {
            writes.push({ ...write, hash })
          }
        }
        const pageWrite: PageWrite = {
          accountId: imp.accountId,
          importId: imp.id,
          runId,
          listIds: imp.listIds,
          contacts: writes,
          deletions,
          skips,
          cursor: Schema.encodeSync(connector.cursor)(page.cursor),
          now: yield* currentDate
        }
        // A page commits whole or not at all; an interrupt waits for it (graceful shutdown).
        const result = yield* Effect.uninterruptible(store.commitPage(pageWrite))
        state.counts = state.counts.plus({
          fetched: page.records.length,
          added: result.added,
          updated: result.updated,
          unchanged,
          skipped: skips.length,
          deleted: result.deleted,
          deferred: result.deferred.length
        })
        if (result.deferred.length > 0) {
          const account = yield* store.getAccount(imp.accountId)
          return yield* Effect.fail(
            new ContactLimitReached({
              limit: Option.match(account, { onNone: () => 0, onSome: (a) => a.contactLimit ?? 0 }),
              deferred: result.deferred.length
            })
          )
        }
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

