/**
 * Type-level checks, compiled by `tsc -p tsconfig.json` (the package's test script runs it before
 * vitest); nothing here runs. Each `@ts-expect-error` line must fail to compile: if one ever
 * compiled (the outcome table stopped being exhaustive), tsc reports the directive as unused and
 * the check fails.
 */
import * as Match from "effect/Match"
import * as Schema from "effect/Schema"
import type { RateLimited } from "../src/Errors.js"
import { outcomeCases, outcomeOf, type SyncStopError } from "../src/Outcome.js"

/** An error someone adds without deciding what it means for a run. */
class Novel extends Schema.TaggedError<Novel>()("Novel", { detail: Schema.String }) {}

// The real cases cover every error a run can end with...
export const complete = Match.type<SyncStopError>().pipe(Match.tagsExhaustive(outcomeCases))

// ...but not one error more: adding Novel to SyncStopError without a case does not compile.
// @ts-expect-error Novel has no outcome
export const missing = Match.type<SyncStopError | Novel>().pipe(Match.tagsExhaustive(outcomeCases))

// Nor does a case for an error that can no longer end a run (a stale entry).
// @ts-expect-error RateLimited is not in this union, so its case is refused
export const stale = Match.type<Exclude<SyncStopError, RateLimited>>().pipe(Match.tagsExhaustive(outcomeCases))

// An error that starts to reach the engine without being in the union: its call does not compile.
// @ts-expect-error Novel is not an error a run can end with
outcomeOf(new Novel({ detail: "x" }))
