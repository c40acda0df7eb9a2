/**
 * How much the reliability suite does. The default fits CI (a few minutes on 2 cores);
 * `AUTOIMPORT_RELIABILITY=long` runs more seeds and more kills locally. A failing property
 * prints its fast-check seed and path; `AUTOIMPORT_RELIABILITY_SEED` / `_PATH` replay it.
 */
import fc from "fast-check"

export const long = process.env["AUTOIMPORT_RELIABILITY"] === "long"

/** `ci` in the default mode, `more` with `AUTOIMPORT_RELIABILITY=long`. */
export const scale = (ci: number, more: number): number => (long ? more : ci)

const replaySeed = process.env["AUTOIMPORT_RELIABILITY_SEED"]
const replayPath = process.env["AUTOIMPORT_RELIABILITY_PATH"]

/**
 * fast-check parameters: a replay when the seed is given; otherwise `numRuns` fresh runs. In CI
 * a failure ends the property at once (shrinking a scenario of real syncs can take longer than
 * the whole budget); the long mode shrinks.
 */
export const parameters = <T>(numRuns: number): fc.Parameters<T> =>
  replaySeed !== undefined
    ? { seed: Number(replaySeed), ...(replayPath ? { path: replayPath } : {}), numRuns: 1, endOnFailure: !long }
    : { numRuns, endOnFailure: !long }

/** Runs a property; on failure the message ends with the environment that replays it. */
export const check = async <T>(property: fc.IAsyncProperty<T>, numRuns: number): Promise<void> => {
  const details = await fc.check(property, parameters(numRuns))
  if (!details.failed) return
  const replay = `AUTOIMPORT_RELIABILITY_SEED=${details.seed}` + (details.counterexamplePath ? ` AUTOIMPORT_RELIABILITY_PATH=${details.counterexamplePath}` : "")
  const cause = details.errorInstance instanceof Error ? details.errorInstance : new Error(String(details.errorInstance))
  throw new Error(
    `property failed after ${details.numRuns} run(s) (seed ${details.seed}, path ${details.counterexamplePath}); ` +
      `counterexample: ${fc.stringify(details.counterexample)}\n` +
      `replay: ${replay} npx vitest run <this file>\n` +
      `cause: ${cause.stack ?? cause.message}`,
    { cause }
  )
}
