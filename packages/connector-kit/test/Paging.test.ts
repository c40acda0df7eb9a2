import { assert, describe, it } from "@effect/vitest"
import * as Chunk from "effect/Chunk"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"
import { Paging } from "../src/index.js"

// Pages of a fake source: page `p` holds items p*4 .. p*4+3; 3 pages; odd items are outside
// the criteria when `onlyEven` is set.
interface Cursor {
  readonly page: number
  readonly offset: number
  readonly done: boolean
}
const pages = [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]

const pull = (cursor: Cursor, budget: number, onlyEven = false) => {
  let fetches = 0
  const stream = Paging.paginate({
    service: "Test",
    start: cursor.page,
    offset: cursor.offset,
    budget,
    fetch: (page: number) =>
      Effect.sync(() => {
        fetches++
        const last = page === pages.length - 1
        return {
          items: pages[page]!,
          next: last ? Option.none<number>() : Option.some(page + 1),
          cursor: (last ? { page, offset: pages[page]!.length, done: true } : { page: page + 1, offset: 0, done: false }) as Cursor
        }
      }),
    select: (item: number) => (onlyEven && item % 2 === 1 ? Option.none() : Option.some(item)),
    inside: (page, offset): Cursor => ({ page, offset, done: false })
  })
  return Effect.map(Stream.runCollect(stream), (deliveries) => ({ deliveries: Chunk.toReadonlyArray(deliveries), fetches: () => fetches }))
}

/** Runs syncs of `budget` records from the start until one ends caught up. */
const syncAll = (budget: number, onlyEven = false) =>
  Effect.gen(function*() {
    let cursor: Cursor = { page: 0, offset: 0, done: false }
    const seen: Array<number> = []
    for (let sync = 0; sync < 50 && !cursor.done; sync++) {
      const { deliveries } = yield* pull(cursor, budget, onlyEven)
      const delivered = deliveries.flatMap((d) => d.records)
      assert.isAtMost(delivered.length, budget)
      seen.push(...delivered)
      if (deliveries.length > 0) cursor = deliveries[deliveries.length - 1]!.cursor
    }
    assert.isTrue(cursor.done, "caught up")
    return seen
  })

describe("Paging", () => {
  it.effect("every budget delivers each record exactly once over successive syncs", () =>
    Effect.gen(function*() {
      for (let budget = 1; budget <= 13; budget++) {
        assert.deepStrictEqual(yield* syncAll(budget), pages.flat(), `budget ${budget}`)
      }
    }))

  it.effect("records outside the criteria are not delivered and do not use the budget", () =>
    Effect.gen(function*() {
      const { deliveries } = yield* pull({ page: 0, offset: 0, done: false }, 3, true)
      assert.deepStrictEqual(deliveries.flatMap((d) => d.records), [0, 2, 4])
      assert.deepStrictEqual(deliveries[deliveries.length - 1]!.cursor, { page: 1, offset: 2, done: false })
      for (let budget = 1; budget <= 7; budget++) {
        assert.deepStrictEqual(yield* syncAll(budget, true), [0, 2, 4, 6, 8, 10])
      }
    }))

  it.effect("a cut page commits a cursor inside it; a budget spent at a page end commits the next page", () =>
    Effect.gen(function*() {
      const cut = yield* pull({ page: 0, offset: 1, done: false }, 5)
      assert.deepStrictEqual(cut.deliveries.map((d) => d.records), [[1, 2, 3], [4, 5]])
      assert.deepStrictEqual(cut.deliveries[1]!.cursor, { page: 1, offset: 2, done: false })
      const exact = yield* pull({ page: 0, offset: 0, done: false }, 8)
      assert.deepStrictEqual(exact.deliveries[1]!.cursor, { page: 2, offset: 0, done: false })
      assert.strictEqual(exact.fetches(), 2, "no fetch beyond the budget")
    }))

  it.effect("a zero budget fetches nothing", () =>
    Effect.gen(function*() {
      const { deliveries, fetches } = yield* pull({ page: 0, offset: 0, done: false }, 0)
      assert.strictEqual(deliveries.length, 0)
      assert.strictEqual(fetches(), 0)
    }))

  // A hostile service: page tokens from `tokens` in turn (the last one repeated), with `items`
  // on every page. The fetch dies after 20 pages, so a loop fails the test instead of hanging it.
  const hostile = (tokens: ReadonlyArray<string>, items: ReadonlyArray<number>, key?: (position: string) => string) => {
    let fetches = 0
    const stream = Paging.paginate({
      service: "Test",
      start: "first",
      ...(key === undefined ? {} : { key }),
      offset: 0,
      budget: 1_000,
      fetch: (_token: string) =>
        fetches++ === 20
          ? Effect.dieMessage("still paging after 20 pages: the loop was not noticed")
          : Effect.succeed({ items, next: Option.some(tokens[Math.min(fetches - 1, tokens.length - 1)]!), cursor: fetches }),
      select: Option.some,
      inside: (_token, offset) => offset
    })
    return Effect.map(Effect.exit(Stream.runCollect(stream)), (exit) => ({ exit, fetches }))
  }

  it.effect("a service that answers with the same page token again fails with MalformedResponse", () =>
    Effect.gen(function*() {
      const { exit, fetches } = yield* hostile(["a", "b", "a"], [1, 2])
      assert.isTrue(Exit.isFailure(exit))
      const error = yield* Effect.flip(exit)
      assert.strictEqual(error._tag, "MalformedResponse")
      assert.include(error.message, `position "a"`)
      assert.strictEqual(fetches, 3, "the repeated page is not fetched again")
    }))

  it.effect("an empty page whose next token points to itself fails instead of looping", () =>
    Effect.gen(function*() {
      const { exit, fetches } = yield* hostile(["next"], [])
      const error = yield* Effect.flip(exit)
      assert.strictEqual(error._tag, "MalformedResponse")
      assert.strictEqual(fetches, 2)
    }))

  it.effect("the position key decides what counts as the same page", () =>
    Effect.gen(function*() {
      // Different positions by JSON, the same page token: a loop.
      const { exit } = yield* hostile(["t:1", "t:2"], [1], (position) => position.slice(0, 1))
      assert.strictEqual((yield* Effect.flip(exit))._tag, "MalformedResponse")
    }))

  it("cut reports where to resume", () => {
    const some = Option.some<number>
    assert.deepStrictEqual(Paging.cut([1, 2, 3, 4], 1, 2, some), { records: [2, 3], resumeAt: Option.some(3) })
    assert.deepStrictEqual(Paging.cut([1, 2, 3], 1, 2, some), { records: [2, 3], resumeAt: Option.none() })
  })
})
