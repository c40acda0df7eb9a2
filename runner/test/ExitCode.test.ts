import { assert, describe, it } from "@effect/vitest"
import { exitCodeCases } from "../src/ExitCode.js"

describe("ExitCode", () => {
  it("every error a command can fail with has the code README's CLI reference gives it", () => {
    const byCode = (code: number) =>
      Object.entries(exitCodeCases).filter(([, of]) => of() === code).map(([tag]) => tag).sort()
    // 2: bad usage or input (nothing written); 3: stopped early, retried by the next run.
    assert.deepStrictEqual(byCode(2), [
      "ConfigError",
      "ConnectorNotLoaded",
      "DatabaseFileUnusable",
      "DuplicateConnector",
      "ImportNotFound",
      "IncompatibleConnector",
      "InvalidConfig",
      "InvalidEmail",
      "InvalidInput",
      "NotAConnector",
      "PluginLoadFailed",
      "PluginNotFound",
      "UnknownList"
    ])
    assert.deepStrictEqual(byCode(3), ["SyncStopped"])
    // 1: failures — the database, the credentials key, a failed sync, one already running, the HTTP port.
    assert.deepStrictEqual(byCode(1), [
      "CredentialsKeyError",
      "CredentialsKeyMismatch",
      "CredentialsKeyMissing",
      "DatabaseUnavailable",
      "HttpUnavailable",
      "SyncFailed",
      "SyncInProgress"
    ])
  })
})
