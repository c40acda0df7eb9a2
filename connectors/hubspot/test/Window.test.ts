/**
 * The position rules of `internal/window.ts`, answer by answer.
 */
import { describe, expect, it } from "@effect/vitest"
import * as Option from "effect/Option"
import type { Contact, HubSpotId, SearchResponse } from "../src/internal/api.js"
import * as Window from "../src/internal/window.js"

const contact = (id: string, time: number): Contact => ({ id: id as HubSpotId, properties: {}, updatedAt: new Date(time) })
const answer = (results: ReadonlyArray<Contact>, more: boolean): SearchResponse => ({
  results,
  ...(more ? { paging: { next: { after: String(results.length) } } } : {})
})
const query: Window.Query = { pageSize: 4, properties: ["email"], until: Option.none(), lifecycleStages: [] }
const idsOf = (step: Window.Step) => step.items.map((c) => c.id)

describe("window", () => {
  it("a full page delivers the complete timestamps in (time, id) order and re-reads the last one from its start", () => {
    const step = Window.step(Window.start, answer([contact("9", 10), contact("3", 20), contact("2", 20), contact("7", 30)], true))
    expect(idsOf(step)).toEqual(["9", "2", "3"])
    expect(step.cursor).toEqual({ since: 30, afterId: null })
    expect(step.next).toEqual(Option.some(step.cursor))
  })

  it("a page of one timestamp switches to reading that timestamp by id", () => {
    const step = Window.step({ since: 5, afterId: null }, answer([contact("8", 20), contact("4", 20), contact("6", 20), contact("2", 20)], true))
    expect(step.items).toEqual([])
    expect(step.cursor).toEqual({ since: 20, afterId: "0" })
    const request = Window.request(step.cursor, query)
    expect(request.filterGroups[0]!.filters).toEqual([
      { propertyName: "lastmodifieddate", operator: "EQ", value: "20" },
      { propertyName: "hs_object_id", operator: "GT", value: "0" }
    ])
    expect(request.sorts).toEqual([{ propertyName: "hs_object_id", direction: "ASCENDING" }])
  })

  it("by id: continues after the last id, then resumes the time window after the timestamp", () => {
    const more = Window.step({ since: 20, afterId: "0" as HubSpotId }, answer([contact("2", 20), contact("4", 20)], true))
    expect(more.cursor).toEqual({ since: 20, afterId: "4" })
    const done = Window.step(more.cursor, answer([contact("6", 20)], false))
    expect(idsOf(done)).toEqual(["6"])
    expect(done.cursor).toEqual({ since: 21, afterId: null })
    expect(Option.isSome(done.next)).toBe(true)
  })

  it("the last page of the window delivers everything and is caught up; an empty one keeps the position", () => {
    const last = Window.step({ since: 5, afterId: null }, answer([contact("3", 40), contact("1", 40)], false))
    expect(idsOf(last)).toEqual(["1", "3"])
    expect(last.cursor).toEqual({ since: 41, afterId: null })
    expect(Option.isNone(last.next)).toBe(true)
    const empty = Window.step({ since: 41, afterId: null }, answer([], false))
    expect(empty.cursor).toEqual({ since: 41, afterId: null })
  })

  it("a batch cut after a record resumes after exactly that record; ids compare as numbers", () => {
    expect(Window.after(contact("12", 50))).toEqual({ since: 50, afterId: "12" })
    expect(Window.compareIds("9", "10")).toBeLessThan(0)
    expect(Window.compareIds("220006890315", "103107104018")).toBeGreaterThan(0)
  })

  it("the time window carries the index-lag bound and the criteria: one group, at most 3 filters", () => {
    const request = Window.request({ since: 7, afterId: null }, { ...query, until: Option.some(99), lifecycleStages: ["lead", "customer"] })
    expect(request).toEqual({
      filterGroups: [{
        filters: [
          { propertyName: "lastmodifieddate", operator: "GTE", value: "7" },
          { propertyName: "lastmodifieddate", operator: "LTE", value: "99" },
          { propertyName: "lifecyclestage", operator: "IN", values: ["lead", "customer"] }
        ]
      }],
      sorts: [{ propertyName: "lastmodifieddate", direction: "ASCENDING" }],
      properties: ["email"],
      limit: 4,
      after: "0"
    })
  })
})
