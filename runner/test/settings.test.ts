/**
 * The configuration keys are declared once (runner/src/Config.ts): README's table is rendered
 * from the declarations and must be equal to them, so the two cannot drift apart.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { readFileSync } from "node:fs"
import * as path from "node:path"
import * as Config from "../src/Config.js"
import * as Settings from "../src/internal/settings.js"

const readme = readFileSync(path.join(import.meta.dirname, "..", "..", "README.md"), "utf8")

/** README's configuration table: from its header to the first blank line. */
const readmeTable = () => {
  const start = readme.indexOf("| key | variable | default | meaning |")
  assert.isAtLeast(start, 0, "README has no configuration table")
  return readme.slice(start, readme.indexOf("\n\n", start))
}

describe("configuration keys", () => {
  it.effect("README's configuration table is the one the declarations render", () =>
    Effect.sync(() => {
      assert.strictEqual(readmeTable(), Config.readmeTable())
    }))

  it.effect("every variable in the table is a known one, and the other way round", () =>
    Effect.sync(() => {
      const inTable = [...readmeTable().matchAll(/`(AUTOIMPORT_[A-Z_]+)`/g)].map((m) => m[1])
      assert.deepStrictEqual(inTable, Config.environmentVariables.filter((v) => v !== "AUTOIMPORT_CONFIG"))
    }))

  it.effect("durations are written the way people write them", () =>
    Effect.sync(() => {
      assert.deepStrictEqual(
        [Duration.zero, Duration.millis(100), Duration.seconds(90), Duration.minutes(30), Duration.hours(1), Duration.days(1), Duration.days(7)].map(Settings.formatDuration),
        ["0", "100ms", "90s", "30m", "1h", "1 day", "7 days"]
      )
    }))
})
