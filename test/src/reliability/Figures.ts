/**
 * The figures docs/reliability.md quotes: each test file counts what it did (scenarios run,
 * faults injected, kills survived, bad inputs tried) and, when it ends, prints them and writes
 * them to `test/test/reliability/.figures/<file>.json` (git-ignored); {@link total} adds up
 * every file of the last run.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs"
import * as path from "node:path"

export interface Counts {
  scenarios: number
  syncs: number
  faults: number
  interruptions: number
  kills: number
  sigterms: number
  badInputs: number
}

const empty = (): Counts => ({ scenarios: 0, syncs: 0, faults: 0, interruptions: 0, kills: 0, sigterms: 0, badInputs: 0 })

export const directory = path.join(import.meta.dirname, "..", "..", "test", "reliability", ".figures")

export interface Figures {
  readonly counts: Counts
  readonly add: (key: keyof Counts, n?: number) => void
  /** Prints this file's figures and the sum over every file's last run; writes this file's. */
  readonly save: () => void
}

export const make = (file: string): Figures => {
  const counts = empty()
  const started = Date.now()
  return {
    counts,
    add: (key, n = 1) => {
      counts[key] += n
    },
    save: () => {
      mkdirSync(directory, { recursive: true })
      const name = path.basename(file).replace(/\.test\.ts$/, "")
      writeFileSync(
        path.join(directory, `${name}.json`),
        JSON.stringify({ file: name, finishedAt: new Date().toISOString(), seconds: Math.round((Date.now() - started) / 1000), ...counts }, null, 2)
      )
      console.log(`reliability figures (${name}): ${JSON.stringify(counts)}; all files so far: ${JSON.stringify(total())}`)
    }
  }
}

/** The sum of every file's figures from its last run. */
export const total = (): Counts => {
  const sum = empty()
  for (const entry of readdirSync(directory).filter((f) => f.endsWith(".json"))) {
    const figures = JSON.parse(readFileSync(path.join(directory, entry), "utf8")) as Partial<Counts>
    for (const key of Object.keys(sum) as Array<keyof Counts>) sum[key] += figures[key] ?? 0
  }
  return sum
}
