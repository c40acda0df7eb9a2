/**
 * Type-level checks, compiled by `tsc -p tsconfig.json` (the package's test script runs it before
 * vitest); nothing here runs. Each `@ts-expect-error` line must fail to compile: if one ever
 * compiled (the exit-code table stopped being exhaustive), tsc reports the directive as unused
 * and the check fails.
 */
import type { Errors } from "@autoimport/core"
import * as Match from "effect/Match"
import * as Schema from "effect/Schema"
import { type CommandError, exitCodeCases, exitCodeOf } from "../src/ExitCode.js"

/** An error someone adds to a command without deciding its exit code. */
class Novel extends Schema.TaggedError<Novel>()("Novel", { detail: Schema.String }) {}

// The real cases cover every error a command can fail with...
export const complete = Match.type<CommandError>().pipe(Match.tagsExhaustive(exitCodeCases))

// ...but not one error more: adding Novel to CommandError without a case does not compile.
// @ts-expect-error Novel has no exit code
export const missing = Match.type<CommandError | Novel>().pipe(Match.tagsExhaustive(exitCodeCases))

// Nor does a case for an error no command fails with any more (a stale entry).
// @ts-expect-error InvalidEmail is not in this union, so its case is refused
export const stale = Match.type<Exclude<CommandError, Errors.InvalidEmail>>().pipe(Match.tagsExhaustive(exitCodeCases))

// A command that starts to fail with an error outside the union: Cli.ts's call does not compile.
// @ts-expect-error Novel is not an error a command can fail with
exitCodeOf(new Novel({ detail: "x" }))
