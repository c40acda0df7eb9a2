import { driveClock } from "@autoimport/connector-kit/testing"
import type { SourceContact, SourceRecord } from "@autoimport/core/Domain"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { Config, type Cursor, HubSpot, Settings } from "../src/index.js"
import type { HubSpotFake } from "../src/fake/index.js"

/** Waits in real time until `condition` holds (a request reached the fake before the clock moves). */
export const until = (condition: () => boolean): Effect.Effect<void> =>
  Effect.promise(async () => {
    for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2))
    if (!condition()) throw new Error("condition not reached within 4 s")
  })

export const settingsFor = (url: string, overrides: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(Settings)({ baseUrl: url, tokenUrl: `${url}/oauth/v1/token`, indexLagSeconds: 0, pageSize: 20, ...overrides })

export const oauthConfig = (fake: HubSpotFake, overrides: Record<string, unknown> = {}) =>
  Schema.decodeUnknownSync(Config)({
    credentials: { _tag: "oauth", clientId: fake.clientId, clientSecret: fake.clientSecret, refreshToken: fake.refreshToken },
    ...overrides
  })

export interface PullOptions {
  readonly settings: Settings
  readonly config: Config
  readonly cursor?: Cursor | undefined
  readonly budget?: number
  readonly saveConfig?: (config: Config) => Effect.Effect<void>
}

/** One pull, collected: its records, every page's cursor, and the last cursor. */
export const pull = (options: PullOptions) =>
  HubSpot.pull({
    settings: options.settings,
    config: options.config,
    cursor: Option.fromNullable(options.cursor),
    budget: options.budget ?? Number.MAX_SAFE_INTEGER,
    saveConfig: options.saveConfig ?? (() => Effect.void)
  }).pipe(
    Stream.runCollect,
    Effect.map((chunk) => {
      const pages = Chunk.toReadonlyArray(chunk)
      return {
        records: pages.flatMap((page) => page.records),
        cursors: pages.map((page) => page.cursor),
        cursor: pages.at(-1)?.cursor ?? options.cursor
      }
    }),
    driveClock
  )

export const ids = (records: ReadonlyArray<SourceRecord>): Array<string> => records.map((r) => r.externalId as string)

export const contacts = (records: ReadonlyArray<SourceRecord>): Array<SourceContact> =>
  records.filter((r): r is SourceContact => r._tag === "SourceContact")

/** Ids sorted numerically, for comparing sets of HubSpot ids. */
export const sorted = (values: Iterable<string>): Array<string> => [...values].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0))
