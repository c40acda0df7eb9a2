/**
 * What a run that ended with an error counts as (docs/sync-rules.md, "Outcomes of a run").
 *
 * The outcome is decided by one exhaustive `Match` over {@link SyncStopError}, the union of every
 * error a run can end with, rather than by comparing tag strings: a tag list silently sent an
 * error it did not name to `failed`. Here the engine hands the error of its pipeline to
 * {@link outcomeOf}, so an error that starts to reach it (a new connector error, a store error)
 * no longer type-checks until it is added to the union, and an error added to the union without
 * a case in {@link outcomeCases} does not type-check either (packages/core/test/outcome.typecheck.ts
 * shows both).
 *
 * Why a match in one place rather than an `outcome` field on each class: the same error means
 * different things to different callers (`InvalidConfig` needs the user in a sync, but is bad
 * input, exit code 2, on the command line; runner/src/ExitCode.ts), so each caller that decides
 * what an error means owns its exhaustive table over the errors it can receive.
 */
import * as Match from "effect/Match"
import type { RunOutcome } from "./Domain.js"
import type { ConnectorError, ConnectorNotLoaded, ContactLimitReached, LeaseLost } from "./Errors.js"

/** Every error a sync can end its run with: what the connector's pull may fail with, and the engine's own. */
export type SyncStopError = ConnectorError | ConnectorNotLoaded | ContactLimitReached | LeaseLost

/** The outcomes an error gives a run; the others (`caught-up`, `batch-cap`) are runs that went through. */
export type StopOutcome = Extract<RunOutcome, "stopped" | "needs-attention" | "failed" | "interrupted">

const stopped = (): StopOutcome => "stopped"
const needsAttention = (): StopOutcome => "needs-attention"
const failed = (): StopOutcome => "failed"

/**
 * One case per tag of {@link SyncStopError}. Exported so the type-level test can check these very
 * cases against a union with one error more.
 */
export const outcomeCases = {
  // Passes by itself: the cursor stays at the last committed page and the next slot continues.
  RateLimited: stopped,
  ServiceUnavailable: stopped,
  MalformedResponse: stopped,
  RequestLimitReached: stopped,
  ContactLimitReached: stopped,
  // Only the user can fix these: the import is marked as needing attention with the message.
  AuthRevoked: needsAttention,
  InvalidConfig: needsAttention,
  ConnectorNotLoaded: needsAttention,
  // The engine answers an expired cursor with a full resync (SyncEngine.ts); one that still
  // reaches the end of the run expired during that resync, which no retry of the same kind fixes.
  CursorExpired: failed,
  // Another sync owns the import now (or it was deleted): this run wrote nothing more.
  LeaseLost: (): StopOutcome => "interrupted"
} as const

/** The outcome of a run that ended with `error`. */
export const outcomeOf: (error: SyncStopError) => StopOutcome = Match.type<SyncStopError>().pipe(
  Match.tagsExhaustive(outcomeCases)
)
