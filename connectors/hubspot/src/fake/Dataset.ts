/**
 * The fake HubSpot portal: a seeded, deterministic set of contacts plus the changes made since.
 * Base contacts are built on demand from (seed, index); only their modification times are held
 * (a `Float64Array`, with an index sorted by time), so a portal of 1,000,000 contacts costs a few
 * megabytes. Changed, added and deleted contacts are kept in a map.
 *
 * Ids are `1 + 50 × index` (like the recorded `1`, `51`, `101`): id order is index order, so
 * reading by id needs no second index.
 */
import { Prng } from "@autoimport/connector-kit/testing"

export type EmailKind = "valid" | "missing" | "invalid" | "duplicate"

export interface FakeContact {
  readonly index: number
  readonly id: string
  /** Every property the fake knows, as HubSpot holds them: strings or null. */
  readonly properties: Readonly<Record<string, string | null>>
  readonly createdAt: number
  readonly updatedAt: number
  readonly archived: boolean
  /** How the email was generated: the truth tests compare with. */
  readonly emailKind: EmailKind
}

export interface DatasetOptions {
  readonly seed: number
  readonly size: number
  readonly missingEmailRatio: number
  readonly invalidEmailRatio: number
  /** Contacts whose email equals the previous contact's up to case and surrounding spaces. */
  readonly duplicateEmailRatio: number
  /** The first `sameTimestamp` contacts share one `lastmodifieddate` (the >10,000 case, scaled). */
  readonly sameTimestamp: number
  /** Other contacts fall on this many distinct seconds per contact on average; 3 gives many ties. */
  readonly contactsPerSecond: number
}

export const lifecycleStages = ["subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"] as const
const leadStatuses = ["NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"]
const givenNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken", "Radia", "Hedy", "Claude", "Katherine", "Zoë", "José", "Björn", "Łucja"]
const familyNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "McCarthy", "Hamilton", "Thompson", "Perlman", "Lamarr", "Shannon", "Johnson", "O'Neil", "Müller"]
const companies = ["Analytical Engines Ltd", "Compiler Corp", "Bletchley Works", "Semaphore GmbH", "Initech", "Acme Widgets", null]
const titles = ["Programmer", "Engineer", "Director", "Analyst", "Founder", null]
const places = [["London", null, "United Kingdom"], ["Berlin", "Berlin", "Germany"], ["Zürich", "ZH", "Switzerland"], ["Boston", "MA", "United States"], ["Kraków", null, "Poland"]] as const
const invalidEmails = ["not-an-email", "bob@", "@example.com", "two words@example.com", "x@@example.com", "trailing.dot.@example.com"]

/** 2025-01-01T00:00:00Z: base contacts were modified during the year after. */
const BASE_TIME = 1_735_689_600_000

/** A hash for deterministic-but-arbitrary order among equal timestamps (HubSpot gives no tiebreak). */
const tieKey = (seed: number, index: number) => Prng.derive(seed ^ 0x71e, index).int(0x7fffffff)

const ascii = (s: string) => s.normalize("NFKD").replace(/[^A-Za-z]/g, "").toLowerCase()

export class Dataset {
  readonly options: DatasetOptions
  private readonly times: Float64Array
  /** Base indices sorted by (time, tie key): the search order by `lastmodifieddate`. */
  private readonly byTime: Uint32Array
  private readonly changed = new Map<number, FakeContact>()
  /** Indices in `changed`, sorted by (time, tie key). */
  private changedByTime: Array<number> = []
  private nextIndex: number
  private edits = 0
  /** The portal's clock: each change happens after every earlier one. */
  now: number

  constructor(options: DatasetOptions) {
    this.options = options
    const { seed, size } = options
    this.times = new Float64Array(size)
    const seconds = Math.max(1, Math.ceil(size / options.contactsPerSecond))
    let latest = BASE_TIME
    for (let i = 0; i < size; i++) {
      const time = i < options.sameTimestamp
        ? BASE_TIME + 500
        : BASE_TIME + 1000 * (1 + Prng.derive(seed ^ 0x7173, i).int(seconds))
      this.times[i] = time
      latest = Math.max(latest, time)
    }
    const ties = new Uint32Array(size)
    for (let i = 0; i < size; i++) ties[i] = tieKey(seed, i)
    this.byTime = new Uint32Array(size).map((_, i) => i)
    this.byTime.sort((a, b) => this.times[a]! - this.times[b]! || ties[a]! - ties[b]!)
    this.nextIndex = size
    this.now = latest + 1000
  }

  static idOf = (index: number): string => String(1 + 50 * index)
  static indexOf = (id: string): number => (Number(id) - 1) / 50

  get size(): number {
    return this.nextIndex
  }

  /** The contact at `index` (base or changed), or undefined past the end. */
  contact(index: number): FakeContact | undefined {
    if (index < 0 || index >= this.nextIndex || !Number.isInteger(index)) return undefined
    return this.changed.get(index) ?? this.base(index)
  }

  /** Cheap modification time of `index`, without building the contact. */
  timeOf(index: number): number {
    return this.changed.get(index)?.updatedAt ?? this.times[index]!
  }

  private base(index: number): FakeContact {
    const { invalidEmailRatio, missingEmailRatio, duplicateEmailRatio, seed } = this.options
    const prng = Prng.derive(seed, index)
    const [first, last] = this.names(index)
    prng.next()
    prng.next()
    const roll = prng.next()
    const emailKind: EmailKind = index > 0 && roll < duplicateEmailRatio
      ? "duplicate"
      : roll < duplicateEmailRatio + missingEmailRatio
      ? "missing"
      : roll < duplicateEmailRatio + missingEmailRatio + invalidEmailRatio
      ? "invalid"
      : "valid"
    const email = emailKind === "missing"
      ? null
      : emailKind === "invalid"
      ? prng.pick(invalidEmails)
      : emailKind === "duplicate"
      ? `  ${this.plainEmail(index - 1).toUpperCase()} `
      : this.plainEmail(index)
    const company = prng.pick(companies)
    const [city, state, country] = prng.pick(places)
    const updatedAt = this.times[index]!
    const createdAt = updatedAt - prng.int(400 * 86_400_000)
    return {
      index,
      id: Dataset.idOf(index),
      emailKind,
      createdAt,
      updatedAt,
      archived: false,
      properties: {
        email,
        firstname: first,
        lastname: prng.chance(0.9) ? last : null,
        phone: prng.chance(0.6) ? `+1 617 555 ${String(prng.int(10_000)).padStart(4, "0")}` : null,
        mobilephone: prng.chance(0.3) ? `+44 7700 900${String(prng.int(1000)).padStart(3, "0")}` : null,
        company,
        jobtitle: prng.pick(titles),
        lifecyclestage: prng.pick(lifecycleStages),
        hs_lead_status: prng.chance(0.7) ? prng.pick(leadStatuses) : null,
        website: company !== null && prng.chance(0.5) ? `https://www.${ascii(company)}.example` : null,
        city,
        state,
        country,
        hs_additional_emails: prng.chance(0.1) ? `${ascii(first)}@example.org;${ascii(first)}.alt@example.net` : null,
        hs_merged_object_ids: null
      }
    }
  }

  private names(index: number): readonly [string, string] {
    const prng = Prng.derive(this.options.seed, index)
    return [prng.pick(givenNames), prng.pick(familyNames)]
  }

  private plainEmail(index: number): string {
    const [first, last] = this.names(index)
    return `${ascii(first)}.${ascii(last)}.${index}@example.com`
  }

  private store(contact: FakeContact): void {
    const isNew = !this.changed.has(contact.index)
    this.changed.set(contact.index, contact)
    if (isNew) this.changedByTime.push(contact.index)
    const { seed } = this.options
    this.changedByTime.sort((a, b) => this.timeOf(a) - this.timeOf(b) || tieKey(seed, a) - tieKey(seed, b))
  }

  /** Adds contacts with valid, distinct emails in `stage`; with `sameTimestamp` all at one instant. */
  add(count: number, stage: string, sameTimestamp = false): ReadonlyArray<FakeContact> {
    const at = this.tick(sameTimestamp ? 1 : count)
    const added: Array<FakeContact> = []
    for (let k = 0; k < count; k++) {
      const index = this.nextIndex++
      const updatedAt = sameTimestamp ? at : at + k
      const contact: FakeContact = {
        index,
        id: Dataset.idOf(index),
        emailKind: "valid",
        createdAt: updatedAt,
        updatedAt,
        archived: false,
        properties: { email: `new.contact.${index}@example.com`, firstname: "New", lastname: `Contact ${index}`, lifecyclestage: stage }
      }
      this.store(contact)
      added.push(contact)
    }
    return added
  }

  /** Changes the job title of each contact (a new value every time) and bumps its modification time. */
  edit(indices: ReadonlyArray<number>): ReadonlyArray<FakeContact> {
    const at = this.tick(indices.length)
    return indices.map((index, k) => {
      const contact = this.contact(index)!
      const edited: FakeContact = {
        ...contact,
        updatedAt: at + k,
        properties: { ...contact.properties, jobtitle: `Edited title ${++this.edits}` }
      }
      this.store(edited)
      return edited
    })
  }

  /** Archives (deletes) contacts: search no longer finds them. */
  archive(indices: ReadonlyArray<number>): ReadonlyArray<FakeContact> {
    const at = this.tick(1)
    return indices.map((index) => {
      const archived: FakeContact = { ...this.contact(index)!, archived: true, updatedAt: at }
      this.store(archived)
      return archived
    })
  }

  /** Reserves `count` consecutive milliseconds after every earlier change. */
  private tick(count: number): number {
    const at = this.now + 1000
    this.now = at + Math.max(1, count)
    return at
  }

  /**
   * Visits contact indices in (time, tie key) order (descending when `descending`), from the
   * first modified at or after `from` (at or before `to` when descending), stopping when `visit`
   * returns false or past `to`.
   */
  forEachByTime(from: number, to: number, descending: boolean, visit: (index: number) => boolean): void {
    const base = this.byTime
    const { seed } = this.options
    const baseTime = (pos: number) => this.times[base[pos]!]!
    // First base position at or after `from` (ascending) / last at or before `to` (descending).
    let lo = 0
    let hi = base.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (descending ? baseTime(mid) <= to : baseTime(mid) < from) lo = mid + 1
      else hi = mid
    }
    const changed = this.changedByTime.filter((i) => this.timeOf(i) >= from && this.timeOf(i) <= to)
    if (descending) changed.reverse()
    let b = descending ? lo - 1 : lo
    let c = 0
    const before = (x: number, y: number) => {
      const order = this.timeOf(x) - this.timeOf(y) || tieKey(seed, x) - tieKey(seed, y)
      return descending ? order > 0 : order < 0
    }
    for (;;) {
      // Base entries superseded by a change are visited through `changed`.
      while (b >= 0 && b < base.length && this.changed.has(base[b]!)) b += descending ? -1 : 1
      const hasBase = b >= 0 && b < base.length && (descending ? baseTime(b) >= from : baseTime(b) <= to)
      const hasChanged = c < changed.length
      if (!hasBase && !hasChanged) return
      const next = hasBase && (!hasChanged || before(base[b]!, changed[c]!)) ? base[b]! : changed[c]!
      if (next === base[b]) b += descending ? -1 : 1
      else c++
      if (!visit(next)) return
    }
  }
}
