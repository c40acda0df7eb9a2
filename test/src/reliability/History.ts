/**
 * Checks on an import's run history and its lease, shared by the process suites.
 */
import type { ImportId, SyncRun } from "@autoimport/core/Domain"
import type { StoreShape } from "@autoimport/core/Store"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"

/** Problems with a run history: overlapping runs of the import, runs left `running`, runs without an owner. */
export const overlaps = (runs: ReadonlyArray<SyncRun>): Array<string> => {
  const problems: Array<string> = []
  const ordered = [...runs].sort((a, b) => a.startedAt.getTime() - b.startedAt.getTime() || Number(a.id) - Number(b.id))
  for (const run of ordered) {
    if (run.outcome === "running" || run.finishedAt === null) problems.push(`run ${run.id} (${run.owner}) is still running`)
    if (run.owner.trim() === "") problems.push(`run ${run.id} has no owner`)
  }
  for (let i = 1; i < ordered.length; i++) {
    const before = ordered[i - 1]!
    const after = ordered[i]!
    if (before.finishedAt !== null && before.finishedAt.getTime() > after.startedAt.getTime()) {
      problems.push(`run ${before.id} (${before.owner}, until ${before.finishedAt.toISOString()}) overlaps run ${after.id} (${after.owner}, from ${after.startedAt.toISOString()})`)
    }
  }
  return problems
}

/** The engine's lease lasts 10 minutes without renewal (SyncOptions.leaseTtlMillis). */
const leaseTtlMillis = 10 * 60_000

/**
 * Lets the lease of a SIGKILLed runner run out, as 10 minutes of waiting would: the test takes
 * the lease at a time just past its expiry and gives it back. (The runner offers no shorter
 * lease; see docs/reliability.md.)
 */
export const expireLease = (store: StoreShape, importId: ImportId) =>
  Effect.gen(function*() {
    const owner = "reliability-test:lease-expiry"
    const taken = yield* store.acquireLease(importId, owner, new Date(Date.now() + leaseTtlMillis + 1_000), 1)
    if (Option.isNone(taken)) return yield* Effect.dieMessage(`the lease of ${importId} did not expire after ${leaseTtlMillis} ms`)
    yield* store.releaseLease(importId, taken.value)
  })
