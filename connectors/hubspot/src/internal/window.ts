/**
 * Where a HubSpot sync stands, and the search that continues from there (README.md §4).
 *
 * A position `(since, afterId)` means: every contact modified before `since` (epoch ms) is
 * delivered, and of those modified exactly at `since`, the ones with an id up to `afterId`
 * (none of them when `afterId` is null). Every search starts at `after: "0"` from the position
 * (keyset paging), instead of following HubSpot's numeric `after` offsets:
 *
 * - offsets shift under concurrent edits (an edited contact leaves its place and re-appears at
 *   the end), so following them skips contacts that were never edited;
 * - HubSpot refuses `after` beyond 10,000 results (HTTP 400): restarting from the position on
 *   every page means the cap is never reached, however large the window;
 * - HubSpot orders contacts with equal `lastmodifieddate` arbitrarily (no tiebreak sort is
 *   honoured, unconfirmed), so a page that ends inside a group of equal timestamps holds an
 *   arbitrary part of it. That group is not delivered from this page: the next search starts
 *   at its timestamp (`GTE`) and fetches it whole — unless the page is nothing but that group
 *   (more equal timestamps than a page holds, up to more than 10,000), in which case the group
 *   is read by id: `lastmodifieddate EQ t` and `hs_object_id GT afterId`, sorted by id (the
 *   fallback of §4).
 *
 * Records are delivered in `(lastmodifieddate, id)` order, so a batch cut after any record is
 * the position `(its timestamp, its id)`: nothing lost, nothing looped.
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { type Contact, type Filter, HubSpotId, type SearchRequest, type SearchResponse } from "./api.js"

export const Position = Schema.Struct({
  /** Epoch milliseconds: every contact modified before it is delivered. */
  since: Schema.Int.pipe(Schema.nonNegative()),
  /**
   * Of the contacts modified exactly at `since`, those with an id up to this one are delivered
   * (`"0"`: none yet, read by id); null: none of them, read by timestamp.
   */
  afterId: Schema.NullOr(HubSpotId)
})
export type Position = typeof Position.Type

export const start: Position = { since: 0, afterId: null }

export interface Query {
  readonly pageSize: number
  readonly properties: ReadonlyArray<string>
  /** Only contacts modified at or before this instant (epoch ms): the search index's lag. */
  readonly until: Option.Option<number>
  /** Criteria: any of these lifecycle stages (empty: all contacts). */
  readonly lifecycleStages: ReadonlyArray<string>
}

/** Compares decimal ids without losing precision (ids can exceed 2^53). */
export const compareIds = (a: string, b: string): number =>
  a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0

export const byPosition = (a: Contact, b: Contact): number =>
  a.updatedAt.getTime() - b.updatedAt.getTime() || compareIds(a.id, b.id)

/** The search body for the page at `position`. At most 3 filters in one group (§1: stay ≤ 1 × 3). */
export const request = (position: Position, query: Query): SearchRequest => {
  const criteria: Array<Filter> = query.lifecycleStages.length === 0
    ? []
    : [{ propertyName: "lifecyclestage", operator: "IN", values: query.lifecycleStages }]
  const filters: Array<Filter> = position.afterId === null
    ? [
      { propertyName: "lastmodifieddate", operator: "GTE", value: String(position.since) },
      ...Option.match(query.until, {
        onNone: () => [],
        onSome: (until): Array<Filter> => [{ propertyName: "lastmodifieddate", operator: "LTE", value: String(until) }]
      })
    ]
    : [
      { propertyName: "lastmodifieddate", operator: "EQ", value: String(position.since) },
      { propertyName: "hs_object_id", operator: "GT", value: position.afterId }
    ]
  return {
    filterGroups: [{ filters: [...filters, ...criteria] }],
    sorts: [{ propertyName: position.afterId === null ? "lastmodifieddate" : "hs_object_id", direction: "ASCENDING" }],
    properties: query.properties,
    limit: query.pageSize,
    after: "0"
  }
}

/** What one answer delivers, and where the next search starts (none: caught up). */
export interface Step {
  readonly items: ReadonlyArray<Contact>
  readonly next: Option.Option<Position>
  /** The position once `items` are stored. */
  readonly cursor: Position
}

export const step = (position: Position, answer: SearchResponse): Step => {
  const results = [...answer.results].sort(byPosition)
  const more = answer.paging?.next !== undefined && results.length > 0
  if (position.afterId !== null) {
    // Reading one timestamp by id: when it is exhausted, continue after that timestamp.
    const next: Position = more
      ? { since: position.since, afterId: results.at(-1)!.id }
      : { since: position.since + 1, afterId: null }
    return { items: results, next: Option.some(next), cursor: next }
  }
  if (!more) {
    const last = results.at(-1)
    const caughtUp: Position = last === undefined ? position : { since: last.updatedAt.getTime() + 1, afterId: null }
    return { items: results, next: Option.none(), cursor: caughtUp }
  }
  const lastTime = results.at(-1)!.updatedAt.getTime()
  const complete = results.filter((contact) => contact.updatedAt.getTime() < lastTime)
  const next: Position = complete.length === 0
    ? { since: lastTime, afterId: "0" as HubSpotId }
    : { since: lastTime, afterId: null }
  return { items: complete, next: Option.some(next), cursor: next }
}

/** The position right after `contact` (a batch cut inside a page). */
export const after = (contact: Contact): Position => ({ since: contact.updatedAt.getTime(), afterId: contact.id })
