/**
 * The exit code of a command that failed (README's CLI reference, "exit code"): one exhaustive
 * `Match` over {@link CommandError}, every error an `autoimport` command can fail with.
 *
 * It replaces a set of tag strings, which sent any error it did not list to exit code 1. Cli.ts
 * hands the error of its command pipeline to {@link exitCodeOf}, so an error that a command
 * starts to fail with does not compile until it is added to {@link CommandError}, and one added
 * there does not compile until {@link exitCodeCases} gives it a code
 * (runner/test/exitCode.typecheck.ts shows both). The codes are the runner's to decide, not the
 * error classes': the same core error means something else in a sync's outcome
 * (packages/core/src/Outcome.ts), e.g. `InvalidConfig` needs the user there but is bad input here.
 *
 * @effect/cli's own usage errors (`ValidationError`) are exit code 2 and are told apart in Cli.ts
 * before this table, since @effect/cli has already printed them with the help text.
 */
import type { Errors } from "@autoimport/core"
import * as Match from "effect/Match"
import type { InvalidInput, SyncFailed, SyncStopped } from "./Cli.js"
import type { ConfigError } from "./Config.js"
import type { CredentialsKeyError } from "./CredentialsKey.js"
import type { HttpUnavailable } from "./Http.js"
import type { PluginError } from "./PluginLoader.js"
import type { CredentialsKeyMissing, DatabaseFileUnusable, DatabaseUnavailable } from "./Setup.js"
import type { UnknownList } from "./Views.js"

/** The exit codes (README's CLI reference lists them). */
export type ExitCode = 0 | 1 | 2 | 3

/** Every error a command can fail with, from the runner and the packages it builds on. */
export type CommandError =
  | ConfigError
  | PluginError
  | InvalidInput
  | SyncFailed
  | SyncStopped
  | CredentialsKeyError
  | CredentialsKeyMissing
  | DatabaseFileUnusable
  | DatabaseUnavailable
  | HttpUnavailable
  | UnknownList
  | Errors.ConnectorNotLoaded
  | Errors.CredentialsKeyMismatch
  | Errors.ImportNotFound
  | Errors.InvalidConfig
  | Errors.InvalidEmail
  | Errors.SyncInProgress

/** 1: something failed; the input was fine, so retrying it as it is may work once that is fixed. */
const failure = (): 1 => 1
/** 2: fix the input or the configuration; nothing was written. */
const badInput = (): 2 => 2
/** 3: the sync stopped early for a reason that passes by itself; the next run continues. */
const stoppedEarly = (): 3 => 3

/** One case per tag of {@link CommandError}; exported so the type-level test checks these very cases. */
export const exitCodeCases = {
  ConfigError: badInput,
  PluginNotFound: badInput,
  PluginLoadFailed: badInput,
  NotAConnector: badInput,
  DuplicateConnector: badInput,
  IncompatibleConnector: badInput,
  InvalidConfig: badInput,
  InvalidInput: badInput,
  InvalidEmail: badInput,
  ImportNotFound: badInput,
  ConnectorNotLoaded: badInput,
  UnknownList: badInput,
  DatabaseFileUnusable: badInput,
  SyncStopped: stoppedEarly,
  SyncFailed: failure,
  SyncInProgress: failure,
  DatabaseUnavailable: failure,
  CredentialsKeyError: failure,
  CredentialsKeyMismatch: failure,
  CredentialsKeyMissing: failure,
  HttpUnavailable: failure
} as const

/** The exit code of a command that failed with `error`. */
export const exitCodeOf: (error: CommandError) => Exclude<ExitCode, 0> = Match.type<CommandError>().pipe(
  Match.tagsExhaustive(exitCodeCases)
)
