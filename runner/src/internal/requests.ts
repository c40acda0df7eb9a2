/**
 * The operator settings that bound what a service can make a sync wait for (the kit's
 * `Http.Limits`, packages/connector-kit/src/Http.ts): the idle timeout between two pieces of a
 * response body, the deadline of one request, and the most requests one sync sends. Kept apart
 * from Config.ts so the configuration only names them.
 */
import { Http } from "@autoimport/connector-kit"
import * as Duration from "effect/Duration"
import * as Schema from "effect/Schema"
import { DurationFromString, PositiveInt, PositiveIntFromString } from "./schemas.js"
import { setting, type Sources, value } from "./settings.js"

const within = (min: Duration.Duration, max: Duration.Duration) =>
  Schema.compose(
    DurationFromString,
    Schema.DurationFromSelf.pipe(
      Schema.filter((d) => Duration.between(d, { minimum: min, maximum: max }), {
        message: (issue) =>
          `expected between ${Duration.format(min)} and ${Duration.format(max)}, got ${Duration.format(issue.actual as Duration.Duration)}`
      })
    )
  )

const idleTimeoutRange = { min: Duration.millis(100), max: Duration.hours(1) }
const deadlineRange = { min: Duration.millis(100), max: Duration.hours(24) }
export const IdleTimeout = within(idleTimeoutRange.min, idleTimeoutRange.max)
export const Deadline = within(deadlineRange.min, deadlineRange.max)
const maxPerSync = 1_000_000
const perSyncMessage = { message: () => `expected at most ${maxPerSync.toLocaleString("en")}` }
export const PerSync = PositiveInt.pipe(Schema.lessThanOrEqualTo(maxPerSync, perSyncMessage))
const PerSyncFromString = PositiveIntFromString.pipe(Schema.lessThanOrEqualTo(maxPerSync, perSyncMessage))

export interface Requests {
  readonly idleTimeout: Duration.Duration
  readonly deadline: Duration.Duration
  readonly perSync: number
}

export const defaults: Requests = {
  idleTimeout: Duration.decode(Http.defaultLimits.idleTimeout),
  deadline: Duration.decode(Http.defaultLimits.deadline),
  perSync: Http.defaultLimits.requestsPerSync
}

/** The `requests.*` keys of the configuration (Config.ts lists them with the others). */
export const settings = {
  idleTimeout: setting({
    key: "requests.idleTimeout",
    variable: "AUTOIMPORT_REQUEST_IDLE_TIMEOUT",
    file: IdleTimeout,
    env: IdleTimeout,
    default: defaults.idleTimeout,
    range: idleTimeoutRange,
    description:
      "the longest pause allowed between two pieces of a service's answer; a request that stalls longer is retried, then the run stops (`ServiceUnavailable`)"
  }),
  deadline: setting({
    key: "requests.deadline",
    variable: "AUTOIMPORT_REQUEST_DEADLINE",
    file: Deadline,
    env: Deadline,
    default: defaults.deadline,
    range: deadlineRange,
    description: "the longest one request may take, from sending to the last byte of the answer (each retry gets its own)"
  }),
  perSync: setting({
    key: "requests.perSync",
    variable: "AUTOIMPORT_REQUESTS_PER_SYNC",
    file: PerSync,
    env: PerSyncFromString,
    default: defaults.perSync,
    range: { min: 1, max: maxPerSync },
    description:
      "the most requests one sync sends to a service, pages without records included; then the run stops (`RequestLimitReached`) and the next slot continues from the last committed page"
  })
} as const

/** Variables override the file, the file overrides the defaults. */
export const resolve = (sources: Sources): Requests => ({
  idleTimeout: value(sources, settings.idleTimeout),
  deadline: value(sources, settings.deadline),
  perSync: value(sources, settings.perSync)
})

/** What the kit's clients read (provided to the engine in Setup.ts). */
export const toLimits = (requests: Requests): Http.LimitsShape => ({
  idleTimeout: requests.idleTimeout,
  deadline: requests.deadline,
  requestsPerSync: requests.perSync
})
