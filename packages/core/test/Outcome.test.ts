import { assert, describe, it } from "@effect/vitest"
import * as Errors from "../src/Errors.js"
import { outcomeOf, type StopOutcome, type SyncStopError } from "../src/Outcome.js"

const importId = "1" as any

describe("Outcome", () => {
  it("each error a run can end with gives the outcome docs/sync-rules.md lists for it", () => {
    const cases: ReadonlyArray<readonly [SyncStopError, StopOutcome]> = [
      [new Errors.RateLimited({ service: "S", retryAfterMillis: 1000 }), "stopped"],
      [new Errors.ServiceUnavailable({ service: "S", detail: "503" }), "stopped"],
      [new Errors.MalformedResponse({ service: "S", detail: "not JSON" }), "stopped"],
      [new Errors.RequestLimitReached({ service: "S", limit: 10 }), "stopped"],
      [new Errors.ContactLimitReached({ limit: 10, deferred: 2 }), "stopped"],
      [new Errors.AuthRevoked({ service: "S", detail: "invalid_grant" }), "needs-attention"],
      [new Errors.InvalidConfig({ where: "import 1 config", detail: "bad" }), "needs-attention"],
      [new Errors.ConnectorNotLoaded({ connectorId: "x" }), "needs-attention"],
      [new Errors.CursorExpired({ service: "S", detail: "expired again" }), "failed"],
      [new Errors.LeaseLost({ importId, reason: "taken" }), "interrupted"],
      [new Errors.LeaseLost({ importId, reason: "deleted" }), "interrupted"]
    ]
    for (const [error, outcome] of cases) assert.strictEqual(outcomeOf(error), outcome, error._tag)
  })
})
