/**
 * The errors the commands themselves raise (their exit codes: runner/src/ExitCode.ts).
 */
import * as Schema from "effect/Schema"

/** Input a command cannot use (exit code 2). */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  option: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.option}: ${this.detail}`
  }
}

/** A sync ran but ended in a state that needs someone (exit code 1). */
export class SyncFailed extends Schema.TaggedError<SyncFailed>()("SyncFailed", {
  importId: Schema.String,
  outcome: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `the sync of import ${this.importId} ended as ${this.outcome}: ${this.detail}`
  }
}

/**
 * A sync ran but stopped early for a reason that passes by itself — a rate limit, the service
 * unavailable, the contact limit (exit code 3): nothing is wrong with the import, the next run
 * continues where this one stopped, but a script learns that the work is not done.
 */
export class SyncStopped extends Schema.TaggedError<SyncStopped>()("SyncStopped", {
  importId: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `the sync of import ${this.importId} stopped and will be retried: ${this.detail}`
  }
}
