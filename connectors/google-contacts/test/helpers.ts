import type * as HttpClient from "@effect/platform/HttpClient"
import type { Page } from "@autoimport/core/Connector"
import type { SourceRecord } from "@autoimport/core/Domain"
import type { ConnectorError } from "@autoimport/core/Errors"
import type { RateLimiter } from "@autoimport/core/RateLimiter"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import { type Config, type Cursor, GoogleContacts, Settings } from "../src/index.js"
import type { GoogleFake } from "../src/fake/index.js"

export interface PullOptions {
  readonly cursor?: Cursor | undefined
  readonly budget?: number
  readonly pageSize?: number
  readonly config?: Partial<Config>
  readonly saved?: Array<Config>
}

/** Settings for a fake at `url`; a generous request rate, so the budget never waits on the TestClock. */
export const settingsFor = (fake: GoogleFake, url: string, pageSize = 100) =>
  Schema.decodeSync(Settings)({ ...fake.settings(url), pageSize, requestsPerMinute: 600_000 })

export const pullPages = (
  fake: GoogleFake,
  url: string,
  options: PullOptions = {}
): Effect.Effect<ReadonlyArray<Page<Cursor>>, ConnectorError, HttpClient.HttpClient | RateLimiter> =>
  GoogleContacts.pull({
    settings: settingsFor(fake, url, options.pageSize),
    config: { ...fake.credentials, ...options.config },
    cursor: Option.fromNullable(options.cursor),
    budget: options.budget ?? 1_000_000,
    saveConfig: (config) => Effect.sync(() => void options.saved?.push(config))
  }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))

export const records = (pages: ReadonlyArray<Page<Cursor>>): ReadonlyArray<SourceRecord> => pages.flatMap((page) => page.records)

export const lastCursor = (pages: ReadonlyArray<Page<Cursor>>): Cursor => pages[pages.length - 1]!.cursor

/** Whether a cursor marks a finished listing (caught up). */
export const caughtUp = (cursor: Cursor) => cursor.phase === "incremental" && cursor.pageToken === undefined && cursor.after === undefined
