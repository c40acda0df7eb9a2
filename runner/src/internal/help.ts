/**
 * @effect/cli starts every option's and argument's help with a sentence about its type ("A
 * user-defined piece of text.", "A true or false value.") before the description we give. That
 * sentence says nothing about the option, so `--help` output is printed without it.
 */
import * as Console from "effect/Console"
import * as Effect from "effect/Effect"

/** The type sentences of the primitives the CLI uses (choices stay: they list the values). */
const filler = new Set([
  "A user-defined piece of text.",
  "A user-defined piece of text that is confidential.",
  "A true or false value.",
  "An integer.",
  "A floating point number.",
  "A date without a time-zone in the ISO-8601 format, such as 2007-12-03T10:15:30."
])

const ansi = /\u001b\[[0-9;]*m/g

/** Help text without the type sentences, and without the blank lines they leave behind. */
export const withoutFiller = (text: string): string => {
  const lines = text.split("\n").filter((line) => !filler.has(line.replace(ansi, "").trim()))
  return lines.filter((line, i) => !(line.replace(ansi, "").trim() === "" && lines[i - 1]?.replace(ansi, "").trim() === "")).join("\n")
}

export const isHelpRequest = (args: ReadonlyArray<string>): boolean => args.includes("--help") || args.includes("-h")

/** Runs `effect` with its console's `log` (where @effect/cli prints help) passed through {@link withoutFiller}. */
export const filtered = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Console.consoleWith((console) =>
    Effect.withConsole(effect, {
      ...console,
      log: (...args: ReadonlyArray<unknown>) => console.log(...args.map((a) => (typeof a === "string" ? withoutFiller(a) : a)))
    })
  )
