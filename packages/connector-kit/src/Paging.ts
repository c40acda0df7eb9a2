/**
 * The budget rule of `PullRequest.budget`: a pull delivers at most `budget` records in all, and
 * when a fetched page holds more than what is left, the page is cut and the committed cursor
 * points *inside* it (page position + offset), so the next sync resumes at the first record
 * not delivered — nothing lost, nothing repeated.
 *
 * And the end rule: a page position the service already gave in this pull is a loop (the same
 * page token again, or an empty page pointing back), which would never end; it fails the pull
 * with `MalformedResponse`. A loop that never repeats a position (a new token on every empty
 * page) ends at the request bound of `Http.make` (`RequestLimitReached`).
 */
import { MalformedResponse } from "@autoimport/core/Errors"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Stream from "effect/Stream"

/** One page as the service sent it. */
export interface SourcePage<Position, Item, Cursor> {
  readonly items: ReadonlyArray<Item>
  /** Where the following page starts; none after the last page. */
  readonly next: Option.Option<Position>
  /** The cursor to commit once every item of this page is stored. */
  readonly cursor: Cursor
}

/** A page to deliver: the records, and the cursor to commit after them. */
export interface Delivery<Record, Cursor> {
  readonly records: ReadonlyArray<Record>
  readonly cursor: Cursor
}

export interface PaginateOptions<Position, Item, Record, Cursor, E, R> {
  /** The service's name as users see it, for the error of a repeated position. */
  readonly service: string
  /** The page to start at. */
  readonly start: Position
  /**
   * What makes two positions the same page, as text. Default: `JSON.stringify`. A position that
   * carries more than the service's page token (held-back items) should give just the token.
   */
  readonly key?: (position: Position) => string
  /**
   * How many items of the start page an earlier sync already delivered: a number, or a function
   * of the re-fetched page for services whose pages can shift between syncs (find the last
   * delivered item's id; 0 when it is gone — re-delivering is allowed, losing is not).
   */
  readonly offset: number | ((items: ReadonlyArray<Item>) => number)
  /** `PullRequest.budget`: the most records to deliver in all. */
  readonly budget: number
  readonly fetch: (position: Position) => Effect.Effect<SourcePage<Position, Item, Cursor>, E, R>
  /**
   * The record an item becomes, or none for an item outside the import's criteria (not
   * delivered and not counted against the budget).
   */
  readonly select: (item: Item) => Option.Option<Record>
  /** The cursor pointing at item `offset` of the page at `position` (whose items are given). */
  readonly inside: (position: Position, offset: number, items: ReadonlyArray<Item>) => Cursor
}

/**
 * Cuts one page's items, from `offset`, to the records that fit in `budget`. `resumeAt` is the
 * item index to resume at when the page was cut, none when the whole page was taken.
 */
export const cut = <Item, Record>(
  items: ReadonlyArray<Item>,
  offset: number,
  budget: number,
  select: (item: Item) => Option.Option<Record>
): { readonly records: ReadonlyArray<Record>; readonly resumeAt: Option.Option<number> } => {
  const records: Array<Record> = []
  for (let i = offset; i < items.length; i++) {
    const record = select(items[i]!)
    if (Option.isNone(record)) continue
    if (records.length === budget) return { records, resumeAt: Option.some(i) }
    records.push(record.value)
  }
  return { records, resumeAt: Option.none() }
}

/**
 * Follows pages from `start` and emits them within the budget. Every page is emitted, even an
 * empty one, so its cursor (e.g. a new sync token) gets committed. Stops after the last page,
 * after a cut page, or when the budget is spent exactly at a page end.
 */
export const paginate = <Position, Item, Record, Cursor, E, R>(
  options: PaginateOptions<Position, Item, Record, Cursor, E, R>
): Stream.Stream<Delivery<Record, Cursor>, E | MalformedResponse, R> => {
  const key = options.key ?? JSON.stringify
  // Per pull (this stream): a later sync may legitimately start again at a committed position.
  const visited = new Set<string>()
  const visit = (position: Position): Effect.Effect<void, MalformedResponse> => {
    const at = key(position)
    if (!visited.has(at)) {
      visited.add(at)
      return Effect.void
    }
    return Effect.fail(
      new MalformedResponse({
        service: options.service,
        detail: `it pointed to a page it had already sent in this sync (position ${at.length > 200 ? `${at.slice(0, 200)}…` : at}), which would loop forever; what was committed before stays`
      })
    )
  }
  interface State {
    readonly position: Position
    readonly offset: number | ((items: ReadonlyArray<Item>) => number)
    readonly budget: number
  }
  const start: Option.Option<State> = options.budget > 0
    ? Option.some({ position: options.start, offset: options.offset, budget: options.budget })
    : Option.none()
  return Stream.unfoldEffect(start, (state) => {
    if (Option.isNone(state)) return Effect.succeedNone
    const { budget, offset, position } = state.value
    return Effect.zipRight(visit(position), Effect.suspend(() => options.fetch(position))).pipe(Effect.map((page) => {
      const from = typeof offset === "number" ? offset : offset(page.items)
      const { records, resumeAt } = cut(page.items, from, budget, options.select)
      if (Option.isSome(resumeAt)) {
        return Option.some([{ records, cursor: options.inside(position, resumeAt.value, page.items) }, Option.none<State>()] as const)
      }
      const left = budget - records.length
      const next = Option.filterMap(page.next, (position) => left > 0 ? Option.some({ position, offset: 0, budget: left }) : Option.none())
      return Option.some([{ records, cursor: page.cursor }, next] as const)
    }))
  })
}
