/**
 * What the commands share: the setup every command goes through (configuration and connectors
 * first, nothing written; then the database opened and the runner's services provided), the
 * options several commands take, and reading JSON arguments.
 */
import * as Args from "@effect/cli/Args"
import * as Options from "@effect/cli/Options"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import { maxDepth, PositiveInt, tooDeep } from "../internal/schemas.js"
import * as Limits from "../Limits.js"
import * as Output from "../Output.js"
import * as Setup from "../Setup.js"
import { InvalidInput } from "./errors.js"

export interface Invocation {
  readonly cwd: string
  readonly env: Readonly<Record<string, string | undefined>>
  /** How the user ran this program (for hints), e.g. `node runner/dist/bin.js`. */
  readonly command: string
}

/** What each command is given by runner/src/Cli.ts. */
export interface CommandContext<E, R> {
  readonly invocation: Invocation
  /** Reads the configuration and loads the connectors: nothing is written yet. */
  readonly setup: Effect.Effect<Setup.SetupShape, E, R>
}

/** Opens the database (created on first use) and provides the runner's services. */
export const withServices = (s: Setup.SetupShape) =>
<A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.provide(effect, Setup.layer(s))

/**
 * The nesting every command repeats: load the setup, check the command's input against it
 * (`prepare`: the database is not opened yet, so bad input writes nothing), then `act` with the
 * database open.
 */
export const inRunner = <E, R, P, E1, R1, A, E2, R2>(
  ctx: CommandContext<E, R>,
  prepare: (s: Setup.SetupShape) => Effect.Effect<P, E1, R1>,
  act: (prepared: P, s: Setup.SetupShape) => Effect.Effect<A, E2, R2>
) =>
  Effect.flatMap(ctx.setup, (s) => Effect.flatMap(prepare(s), (prepared) => act(prepared, s).pipe(withServices(s))))

/** Nothing to check before the database opens. */
export const nothing = () => Effect.void

/** A read-only command: loads the setup, reads one view, prints it. */
export const show = <E, R, A, E2, R2>(ctx: CommandContext<E, R>, asJson: boolean, view: Effect.Effect<A, E2, R2>, render: (a: A) => string) =>
  inRunner(ctx, nothing, () => Effect.flatMap(view, (v) => Output.result(asJson, v, render)))

export const json = Options.boolean("json").pipe(Options.withDescription("print JSON on stdout instead of a table (for scripts)"))

export const importId = Args.text({ name: "import-id" }).pipe(Args.withDescription("the import's id (see `autoimport imports list`)"))

export const limit = (fallback: number) =>
  Options.integer("limit").pipe(
    Options.withSchema(PositiveInt),
    Options.withDefault(fallback),
    Options.withDescription(`show at most this many (default ${fallback})`)
  )

/** `--config` of an import: inline JSON, or `@file` with JSON in it. */
export const readJsonArgument = (option: string, text: string, cwd: string) =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const source = text.startsWith("@")
      ? yield* fs.readFileString(path.resolve(cwd, text.slice(1))).pipe(
        Effect.mapError((e) => new InvalidInput({ option, detail: `cannot read ${text.slice(1)}: ${e.message}` }))
      )
      : text
    const parsed = yield* Effect.try({
      try: () => JSON.parse(source) as unknown,
      catch: (e) => new InvalidInput({ option, detail: `not valid JSON: ${(e as Error).message}` })
    })
    // Before anything recursive (the merge patch of `imports edit`) walks it.
    if (tooDeep(parsed)) return yield* new InvalidInput({ option, detail: `nested deeper than ${maxDepth} levels` })
    return parsed
  })

/** An import or list name: trimmed, not empty, within the documented length (Limits.ts). */
export const nonEmpty = (option: string, value: string) =>
  Effect.mapError(Limits.decodeLabel(value), (detail) => new InvalidInput({ option, detail }))
