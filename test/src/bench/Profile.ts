/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and ranks where the time went by self time: per
 * function (name, file, line) and per package, so the top costs of the per-contact path can be
 * printed without a browser.
 */
import { readFileSync } from "node:fs"

interface ProfileNode {
  readonly id: number
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number }
}

interface CpuProfile {
  readonly nodes: ReadonlyArray<ProfileNode>
  readonly samples: ReadonlyArray<number>
  readonly timeDeltas: ReadonlyArray<number>
}

export interface Cost {
  readonly name: string
  readonly selfMillis: number
  readonly percent: number
}

/** Where a script lives, shortened: the package (`effect`, `@effect/sql`, `core`, …) or the file. */
const packageOf = (url: string): string => {
  if (url === "") return "(native, GC, idle)"
  const inNodeModules = /node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/.exec(url)
  if (inNodeModules !== null) return inNodeModules[1]!
  const inWorkspace = /\/(packages|connectors|test|runner)\/([^/]+)\//.exec(url)
  if (inWorkspace !== null) return inWorkspace[1] === "test" || inWorkspace[1] === "runner" ? inWorkspace[1] : inWorkspace[2]!
  return url.startsWith("node:") ? "node" : url
}

const fileOf = (url: string) => url.replace(/^.*node_modules\/(?:\.pnpm\/[^/]+\/node_modules\/)?/, "").replace(/^file:\/\/.*?\/(packages|connectors|test|runner)\//, "$1/")

const rank = (selfMicros: Map<string, number>, total: number, top: number): Array<Cost> =>
  [...selfMicros]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, micros]) => ({ name, selfMillis: Math.round(micros / 1000), percent: Math.round((micros / total) * 1000) / 10 }))

export const topCosts = (file: string, top = 20) => {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const byFunction = new Map<string, number>()
  const byPackage = new Map<string, number>()
  let total = 0
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0
    const { functionName, lineNumber, url } = byId.get(id)!.callFrame
    // Idle time is not a cost: the process waited for the fake or the database.
    if (functionName === "(idle)") return
    total += delta
    const name = `${functionName || "(anonymous)"} ${url === "" ? "" : `${fileOf(url)}:${lineNumber + 1}`}`.trim()
    byFunction.set(name, (byFunction.get(name) ?? 0) + delta)
    const pkg = packageOf(url)
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + delta)
  })
  return { busyMillis: Math.round(total / 1000), functions: rank(byFunction, total, top), packages: rank(byPackage, total, 12) }
}
