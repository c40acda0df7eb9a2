import { layerPull, serveFake } from "@autoimport/connector-kit/testing"
import type { Page } from "@autoimport/core/Connector"
import type { SourceContact } from "@autoimport/core/Domain"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { RequestHandler } from "msw"
import { connector } from "../src/index.js"
import { Config, type Cursor, Settings } from "../src/Schemas.js"
import * as Fake from "../src/fake/index.js"

export { layerPull }

let shops = 0

/** A shop served on a loopback port, and the connector's settings and config for it. */
export const setup = (
  options: Fake.ShopifyFakeOptions,
  overrides: {
    readonly settings?: Record<string, unknown>
    readonly criteria?: unknown
    /** Handlers that answer before the shop's (MSW takes the first match). */
    readonly before?: (shop: Fake.ShopifyFake) => ReadonlyArray<RequestHandler>
  } = {}
) =>
  Effect.gen(function*() {
    // A bucket that never runs dry, unless a test says otherwise: these tests run on the
    // TestClock, where any wait for a refill would stand still.
    const shop = Fake.makeShopifyFake({ bucket: { maximumAvailable: 1_000_000_000, restoreRate: 1_000_000_000 }, ...options })
    const { url } = yield* serveFake([...(overrides.before?.(shop) ?? []), ...shop.handlers])
    const settings = Schema.decodeUnknownSync(Settings)({
      baseUrl: url,
      // A bucket the local limiter never waits on, unless a test says otherwise.
      costBucket: { maximumAvailable: 1_000_000_000, restoreRate: 1_000_000_000 },
      ...overrides.settings
    })
    const config = Schema.decodeUnknownSync(Config)({
      // A shop of its own per test: the rate limiter is shared by the tests of a file.
      shop: `test-shop-${++shops}.myshopify.com`,
      credentials: { clientId: Fake.clientId, clientSecret: Fake.clientSecret, refreshToken: shop.grant() },
      ...(overrides.criteria === undefined ? {} : { criteria: overrides.criteria })
    })
    // Mutable like the store's copy: each pull rotates the refresh token and saves the config.
    const env: Env = { shop, url, settings, config }
    return env
  })

export interface Env {
  readonly shop: Fake.ShopifyFake
  readonly url: string
  readonly settings: Settings
  config: Config
}

/** One pull, collected. */
export const pull = (
  env: Env,
  options: { readonly cursor?: Cursor; readonly budget?: number; readonly saveConfig?: (config: Config) => Effect.Effect<void> } = {}
) =>
  connector.pull({
    settings: env.settings,
    config: env.config,
    cursor: Option.fromNullable(options.cursor),
    budget: options.budget ?? Number.MAX_SAFE_INTEGER,
    saveConfig: options.saveConfig ?? ((config) =>
      Effect.sync(() => {
        env.config = config
      }))
  }).pipe(Stream.runCollect, Effect.map(Chunk.toReadonlyArray))

export const ids = (pages: ReadonlyArray<Page<Cursor>>): ReadonlyArray<string> =>
  pages.flatMap((page) => page.records.map((record) => record.externalId as string))

export const contacts = (pages: ReadonlyArray<Page<Cursor>>): ReadonlyArray<SourceContact> =>
  pages.flatMap((page) => page.records.filter((r): r is SourceContact => r._tag === "SourceContact"))

/** Waits, in real time, until `condition` holds: a loopback request must reach the fake before the TestClock moves. */
export const until = (condition: () => boolean): Effect.Effect<void> =>
  Effect.promise(async () => {
    for (let i = 0; i < 2000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2))
    if (!condition()) throw new Error("condition not reached within 4 s")
  })

/** Lets pending loopback requests arrive (real time), for asserting that none did. */
export const settle = Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 50)))

export const queries = (shop: Fake.ShopifyFake) => shop.events.filter((e) => e._tag === "Query").length
