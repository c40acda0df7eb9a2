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

export const IdleTimeout = within(Duration.millis(100), Duration.hours(1))
export const Deadline = within(Duration.millis(100), Duration.hours(24))
const maxPerSync = 1_000_000
const perSyncMessage = { message: () => `expected at most ${maxPerSync.toLocaleString("en")}` }
export const PerSync = PositiveInt.pipe(Schema.lessThanOrEqualTo(maxPerSync, perSyncMessage))
const PerSyncFromString = PositiveIntFromString.pipe(Schema.lessThanOrEqualTo(maxPerSync, perSyncMessage))

/** The `requests` block of the configuration file. */
export const RequestsFile = Schema.Struct({
  idleTimeout: Schema.optional(IdleTimeout),
  deadline: Schema.optional(Deadline),
  perSync: Schema.optional(PerSync)
})

export const environment = {
  AUTOIMPORT_REQUEST_IDLE_TIMEOUT: IdleTimeout,
  AUTOIMPORT_REQUEST_DEADLINE: Deadline,
  AUTOIMPORT_REQUESTS_PER_SYNC: PerSyncFromString
} as const

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

/** Variables override the file, the file overrides the defaults. */
export const resolve = (
  env: { readonly [K in keyof typeof environment]?: Schema.Schema.Type<(typeof environment)[K]> },
  file: typeof RequestsFile.Type | undefined
): Requests => ({
  idleTimeout: env.AUTOIMPORT_REQUEST_IDLE_TIMEOUT ?? file?.idleTimeout ?? defaults.idleTimeout,
  deadline: env.AUTOIMPORT_REQUEST_DEADLINE ?? file?.deadline ?? defaults.deadline,
  perSync: env.AUTOIMPORT_REQUESTS_PER_SYNC ?? file?.perSync ?? defaults.perSync
})

/** What the kit's clients read (provided to the engine in Setup.ts). */
export const toLimits = (requests: Requests): Http.LimitsShape => ({
  idleTimeout: requests.idleTimeout,
  deadline: requests.deadline,
  requestsPerSync: requests.perSync
})
