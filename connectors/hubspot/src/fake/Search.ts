/**
 * The fake's search engine: HubSpot's search request as HubSpot accepts it (README.md §1, §7),
 * evaluated over a {@link Dataset}. Lenient where HubSpot is (sorts as strings or objects, limit
 * and filter values as numbers or strings, ISO or epoch-ms dates), strict where it is (limit ≤
 * 200, the filter counts, paging past the result cap → 400).
 */
import type { Dataset, FakeContact } from "./Dataset.js"

export class SearchRejected extends Error {
  constructor(readonly status: number, readonly category: string, message: string) {
    super(message)
  }
}

interface ParsedFilter {
  readonly propertyName: string
  readonly operator: string
  readonly value?: string
  readonly highValue?: string
  readonly values?: ReadonlyArray<string>
}

export interface ParsedSearch {
  readonly groups: ReadonlyArray<ReadonlyArray<ParsedFilter>>
  readonly sort: { readonly propertyName: string; readonly descending: boolean }
  readonly properties: ReadonlyArray<string>
  readonly limit: number
  readonly after: number
}

/** What search returns when `properties` is omitted (§1). */
export const defaultProperties = ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"]

const dateProperties = new Set(["lastmodifieddate", "createdate", "hs_lastmodifieddate"])
const operators = new Set(["EQ", "NEQ", "LT", "LTE", "GT", "GTE", "BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"])

const invalid = (message: string) => new SearchRejected(400, "VALIDATION_ERROR", message)

const asText = (value: unknown, what: string): string => {
  if (typeof value === "string") return value
  if (typeof value === "number" || typeof value === "boolean") return String(value)
  throw invalid(`${what} must be a string`)
}

const asInt = (value: unknown, what: string, fallback: number): number => {
  if (value === undefined || value === null || value === "") return fallback
  const n = typeof value === "number" ? value : Number(asText(value, what))
  if (!Number.isInteger(n) || n < 0) throw invalid(`${what} must be a non-negative integer, got ${JSON.stringify(value)}`)
  return n
}

export const parseSearch = (body: unknown, resultCap: number): ParsedSearch => {
  if (typeof body !== "object" || body === null) throw invalid("Invalid input JSON: expected an object")
  const b = body as Record<string, unknown>
  const rawGroups = (b["filterGroups"] ?? []) as Array<{ filters?: Array<Record<string, unknown>> }>
  if (!Array.isArray(rawGroups)) throw invalid("filterGroups must be an array")
  // The strictest of the documented limits (§1): 5 groups, 6 filters each, 18 in all.
  const total = rawGroups.reduce((n, g) => n + (g.filters?.length ?? 0), 0)
  if (rawGroups.length > 5 || rawGroups.some((g) => (g.filters?.length ?? 0) > 6) || total > 18) {
    throw invalid(`Too many filters: ${rawGroups.length} groups with ${total} filters`)
  }
  const groups = rawGroups.map((g) =>
    (g.filters ?? []).map((f): ParsedFilter => {
      const operator = asText(f["operator"], "operator")
      if (!operators.has(operator)) throw invalid(`Unknown operator ${operator}`)
      return {
        propertyName: asText(f["propertyName"], "propertyName"),
        operator,
        ...(f["value"] === undefined ? {} : { value: asText(f["value"], "value") }),
        ...(f["highValue"] === undefined ? {} : { highValue: asText(f["highValue"], "highValue") }),
        ...(Array.isArray(f["values"]) ? { values: (f["values"] as Array<unknown>).map((v) => asText(v, "values")) } : {})
      }
    })
  )
  // The spec types sorts as strings, the docs as objects; only the first is honoured.
  const rawSort = Array.isArray(b["sorts"]) ? (b["sorts"] as Array<unknown>)[0] : undefined
  const sort = rawSort === undefined
    ? { propertyName: "hs_object_id", descending: false }
    : typeof rawSort === "string"
    ? { propertyName: rawSort.replace(/^-/, ""), descending: rawSort.startsWith("-") }
    : {
      propertyName: asText((rawSort as Record<string, unknown>)["propertyName"], "sorts.propertyName"),
      descending: (rawSort as Record<string, unknown>)["direction"] === "DESCENDING"
    }
  const limit = asInt(b["limit"], "limit", 10)
  if (limit > 200) throw invalid(`limit must be at most 200, got ${limit}`)
  const after = asInt(b["after"], "after", 0)
  if (after >= resultCap) {
    throw invalid(`Paging past ${resultCap} results is not supported: after=${after}. Narrow the search with filters.`)
  }
  const properties = Array.isArray(b["properties"]) ? (b["properties"] as Array<unknown>).map((p) => asText(p, "properties")) : defaultProperties
  return { groups, sort, properties, limit, after }
}

const millis = (value: string): number => {
  const n = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
  if (Number.isNaN(n)) throw invalid(`${value} is not a valid date (epoch milliseconds or ISO 8601)`)
  return n
}

const compareIds = (a: string, b: string) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0)

/** A property's value for filtering and sorting: dates as epoch ms, ids numerically. */
const valueOf = (contact: FakeContact, property: string): string | number | null => {
  if (dateProperties.has(property)) return property === "createdate" ? contact.createdAt : contact.updatedAt
  if (property === "hs_object_id") return contact.id
  return contact.properties[property] ?? null
}

const compare = (property: string, actual: string | number, expected: string): number => {
  if (typeof actual === "number") return actual - millis(expected)
  if (property === "hs_object_id") return compareIds(actual, expected)
  return actual.toLowerCase().localeCompare(expected.toLowerCase())
}

const matches = (contact: FakeContact, f: ParsedFilter): boolean => {
  const actual = valueOf(contact, f.propertyName)
  const present = actual !== null && actual !== ""
  const need = (x: string | undefined) => {
    if (x === undefined) throw invalid(`${f.operator} on ${f.propertyName} needs a value`)
    return x
  }
  switch (f.operator) {
    case "HAS_PROPERTY":
      return present
    case "NOT_HAS_PROPERTY":
      return !present
    case "IN":
      return present && (f.values ?? []).some((v) => compare(f.propertyName, actual, v) === 0)
    case "NOT_IN":
      return !present || !(f.values ?? []).some((v) => compare(f.propertyName, actual, v) === 0)
    case "CONTAINS_TOKEN":
      return present && String(actual).toLowerCase().includes(need(f.value).replace(/\*/g, "").toLowerCase())
    case "NOT_CONTAINS_TOKEN":
      return !present || !String(actual).toLowerCase().includes(need(f.value).replace(/\*/g, "").toLowerCase())
    case "NEQ":
      return !present || compare(f.propertyName, actual, need(f.value)) !== 0
  }
  if (!present) return false
  const c = compare(f.propertyName, actual, need(f.value))
  switch (f.operator) {
    case "EQ":
      return c === 0
    case "LT":
      return c < 0
    case "LTE":
      return c <= 0
    case "GT":
      return c > 0
    case "GTE":
      return c >= 0
    default: // BETWEEN, inclusive at both ends
      return c >= 0 && compare(f.propertyName, actual, need(f.highValue)) <= 0
  }
}

/** The `lastmodifieddate` range a single filter group allows, to skip the rest of the portal. */
const timeRange = (groups: ParsedSearch["groups"]): { from: number; to: number } => {
  let from = -Infinity
  let to = Infinity
  if (groups.length !== 1) return { from, to }
  for (const f of groups[0]!) {
    if (f.propertyName !== "lastmodifieddate" || f.value === undefined) continue
    const v = millis(f.value)
    if (f.operator === "GT" || f.operator === "GTE" || f.operator === "EQ" || f.operator === "BETWEEN") from = Math.max(from, v)
    if (f.operator === "LT" || f.operator === "LTE" || f.operator === "EQ") to = Math.min(to, v)
    if (f.operator === "BETWEEN" && f.highValue !== undefined) to = Math.min(to, millis(f.highValue))
  }
  return { from, to }
}

export interface SearchResult {
  readonly total: number
  readonly results: ReadonlyArray<FakeContact>
  readonly nextAfter: number | undefined
}

/**
 * Past this many matches beyond the page, `total` stops counting (a lower bound then): an exact
 * count would read the whole portal on every page of a million-contact benchmark.
 */
const COUNT_AHEAD = 10_000

export const search = (
  dataset: Dataset,
  query: ParsedSearch,
  options: { readonly indexed: (contact: FakeContact) => boolean }
): SearchResult => {
  const wanted = (contact: FakeContact) =>
    !contact.archived && options.indexed(contact) &&
    (query.groups.length === 0 || query.groups.some((group) => group.every((f) => matches(contact, f))))
  const page: Array<FakeContact> = []
  let total = 0
  const take = (contact: FakeContact): boolean => {
    if (!wanted(contact)) return true
    if (total >= query.after && page.length < query.limit) page.push(contact)
    total++
    return total < query.after + query.limit + COUNT_AHEAD
  }
  const { from, to } = timeRange(query.groups)
  if (query.sort.propertyName === "lastmodifieddate" || query.sort.propertyName === "hs_lastmodifieddate") {
    dataset.forEachByTime(from, to, query.sort.descending, (index) => take(dataset.contact(index)!))
  } else if (query.sort.propertyName === "hs_object_id") {
    const step = query.sort.descending ? -1 : 1
    for (let i = query.sort.descending ? dataset.size - 1 : 0; i >= 0 && i < dataset.size; i += step) {
      const time = dataset.timeOf(i)
      if (time < from || time > to) continue
      if (!take(dataset.contact(i)!)) break
    }
  } else {
    const all: Array<FakeContact> = []
    for (let i = 0; i < dataset.size; i++) {
      const contact = dataset.contact(i)!
      if (wanted(contact)) all.push(contact)
    }
    const key = (c: FakeContact) => String(valueOf(c, query.sort.propertyName) ?? "")
    all.sort((a, b) => (query.sort.descending ? -1 : 1) * key(a).localeCompare(key(b)))
    all.forEach(take)
  }
  return { total, results: page, nextAfter: total > query.after + page.length ? query.after + page.length : undefined }
}

/** A contact as search and the list return it: only the requested properties, each a string or null. */
export const render = (contact: FakeContact, properties: ReadonlyArray<string>, portalId: string) => ({
  id: contact.id,
  properties: Object.fromEntries(properties.map((name) => {
    const value = valueOf(contact, name)
    return [name, typeof value === "number" ? new Date(value).toISOString() : value]
  })),
  createdAt: new Date(contact.createdAt).toISOString(),
  updatedAt: new Date(contact.updatedAt).toISOString(),
  archived: contact.archived,
  // Deleting a contact is its last modification.
  ...(contact.archived ? { archivedAt: new Date(contact.updatedAt).toISOString() } : {}),
  url: `https://app.hubspot.com/contacts/${portalId}/record/0-1/${contact.id}`
})
