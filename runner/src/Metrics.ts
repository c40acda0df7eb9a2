/**
 * What the runner counts, and its Prometheus text exposition for `/metrics`.
 */
import type { Domain } from "@autoimport/core"
import * as Effect from "effect/Effect"
import * as Metric from "effect/Metric"
import * as MetricBoundaries from "effect/MetricBoundaries"
import * as MetricState from "effect/MetricState"
import * as Option from "effect/Option"

export const syncs = Metric.counter("autoimport_syncs_total", {
  description: "Sync runs finished, by connector and outcome",
  incremental: true
})
export const contactsAdded = Metric.counter("autoimport_contacts_added_total", {
  description: "Contacts added by syncs",
  incremental: true
})
export const contactsUpdated = Metric.counter("autoimport_contacts_updated_total", {
  description: "Contacts updated by syncs",
  incremental: true
})
export const contactsSkipped = Metric.counter("autoimport_contacts_skipped_total", {
  description: "Source records not added, by reason",
  incremental: true
})
export const syncErrors = Metric.counter("autoimport_sync_errors_total", {
  description: "Sync runs stopped by an error, by error tag",
  incremental: true
})
export const syncDuration = Metric.histogram(
  "autoimport_sync_duration_seconds",
  MetricBoundaries.exponential({ start: 0.05, factor: 2, count: 14 }),
  "Wall time of sync runs"
)

/** Counts one finished run; `skipsByReason` comes from the run's recorded skips. */
export const recordRun = (
  connectorId: string,
  run: Domain.SyncRun,
  skipsByReason: ReadonlyMap<string, number>
): Effect.Effect<void> =>
  Effect.gen(function*() {
    const connector = (metric: Metric.Metric.Counter<number>) => Metric.tagged(metric, "connector", connectorId)
    yield* Metric.increment(Metric.tagged(connector(syncs), "outcome", run.outcome))
    yield* Metric.incrementBy(connector(contactsAdded), run.counts.added)
    yield* Metric.incrementBy(connector(contactsUpdated), run.counts.updated)
    for (const [reason, count] of skipsByReason) {
      yield* Metric.incrementBy(Metric.tagged(connector(contactsSkipped), "reason", reason), count)
    }
    if (run.stopTag !== null) yield* Metric.increment(Metric.tagged(connector(syncErrors), "tag", run.stopTag))
    if (run.finishedAt !== null) {
      yield* Metric.update(
        Metric.tagged(syncDuration, "connector", connectorId),
        (run.finishedAt.getTime() - run.startedAt.getTime()) / 1000
      )
    }
  })

/** Every metric of the process in the Prometheus text format (version 0.0.4). */
export const prometheus: Effect.Effect<string> = Effect.map(Metric.snapshot, (pairs) => {
  const families = new Map<string, { help: string; type: string; lines: Array<string> }>()
  const family = (name: string, type: string, help: string | undefined) => {
    let found = families.get(name)
    if (found === undefined) {
      found = { help: help ?? name, type, lines: [] }
      families.set(name, found)
    }
    return found.lines
  }
  for (const { metricKey, metricState } of pairs) {
    const name = sanitize(metricKey.name)
    const tags = metricKey.tags.map((t) => [t.key, t.value] as const)
    const description = Option.getOrUndefined(metricKey.description)
    if (MetricState.isCounterState(metricState)) {
      family(name, "counter", description).push(`${name}${labels(tags)} ${Number(metricState.count)}`)
    } else if (MetricState.isGaugeState(metricState)) {
      family(name, "gauge", description).push(`${name}${labels(tags)} ${Number(metricState.value)}`)
    } else if (MetricState.isHistogramState(metricState)) {
      const lines = family(name, "histogram", description)
      // Effect's boundaries end with Infinity, which Prometheus spells +Inf.
      for (const [bound, count] of metricState.buckets) {
        lines.push(`${name}_bucket${labels([...tags, ["le", Number.isFinite(bound) ? String(bound) : "+Inf"]])} ${count}`)
      }
      lines.push(`${name}_sum${labels(tags)} ${metricState.sum}`)
      lines.push(`${name}_count${labels(tags)} ${metricState.count}`)
    }
  }
  return [...families.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, f]) => [`# HELP ${name} ${f.help}`, `# TYPE ${name} ${f.type}`, ...f.lines].join("\n"))
    .join("\n") + "\n"
})

const sanitize = (name: string) => name.replace(/[^a-zA-Z0-9_:]/g, "_")

const labels = (tags: ReadonlyArray<readonly [string, string]>) =>
  tags.length === 0
    ? ""
    : `{${tags.map(([k, v]) => `${sanitize(k)}="${v.replace(/\\/g, "\\\\").replace(/"/g, "\\\"").replace(/\n/g, "\\n")}"`).join(",")}}`
