/**
 * The fake shop's customers: seeded, deterministic, built on demand. Only what changed (edited,
 * added, deleted customers) is held in memory, so a shop of 1,000,000 customers costs no more
 * than one of 100.
 *
 * Customers are known by their index `i`, served in (updatedAt, index) order. Seeded customers
 * share their `updatedAt` in runs (`sameTimestampRun`), so equal timestamps fall on every page
 * and batch boundary. Customer `i` has id `ID_BASE + i`, unless `tieOrder: "descending-id"`
 * numbers each run of seeded customers backwards: Shopify's order among equal timestamps is
 * unconfirmed, and a connector must not depend on it. Edits and additions happen at the
 * dataset's own clock, one second after the newest timestamp, so they always sort last, as on
 * a live shop.
 */
import { Prng } from "@autoimport/connector-kit/testing"

export const ID_BASE = 7_000_000_000_000

export interface DatasetOptions {
  readonly seed: number
  /** Seeded customers. */
  readonly size: number
  /** How many consecutive seeded customers share one `updatedAt`. Default 7. */
  readonly sameTimestampRun?: number
  /** `updatedAt` of the first seeded customer (ms). Default 2025-01-01T00:00:00Z. */
  readonly start?: number
  /** The id order among seeded customers sharing a timestamp. Default ascending. */
  readonly tieOrder?: "ascending-id" | "descending-id"
}

/** A customer as the GraphQL API serializes it (README.md §5). */
export interface CustomerNode {
  readonly id: string
  readonly legacyResourceId: string
  readonly firstName: string | null
  readonly lastName: string | null
  readonly displayName: string
  readonly defaultEmailAddress: { readonly emailAddress: string | null; readonly marketingState: string; readonly marketingOptInLevel: string | null } | null
  readonly defaultPhoneNumber: { readonly phoneNumber: string; readonly marketingState: string } | null
  readonly defaultAddress: {
    readonly address1: string | null
    readonly address2: string | null
    readonly city: string | null
    readonly province: string | null
    readonly country: string | null
    readonly countryCodeV2: string | null
    readonly zip: string | null
    readonly company: string | null
    readonly phone: string | null
  } | null
  readonly tags: ReadonlyArray<string>
  readonly note: string | null
  readonly numberOfOrders: string
  readonly amountSpent: { readonly amount: string; readonly currencyCode: string }
  readonly createdAt: string
  readonly updatedAt: string
}

/** A position in `UPDATED_AT` order: (updatedAt ms, index). */
export interface Key {
  readonly updatedAt: number
  readonly index: number
}

export const compareKeys = (a: Key, b: Key): number => a.updatedAt - b.updatedAt || a.index - b.index

const firstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Katherine", "Linus", "Margaret", "Niklaus", "Radia", "Tim", "Zoë", "José"]
const lastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "McCarthy", "Johnson", "Torvalds", "Hamilton", "Wirth", "Perlman", "Berners-Lee", "Müller", "García"]
const places = [
  { city: "London", country: "United Kingdom", code: "GB", currency: "GBP" },
  { city: "Berlin", country: "Germany", code: "DE", currency: "EUR" },
  { city: "Toronto", country: "Canada", code: "CA", currency: "CAD" },
  { city: "Austin", country: "United States", code: "US", currency: "USD" },
  { city: "Lyon", country: "France", code: "FR", currency: "EUR" }
]
const tagPool = ["vip", "newsletter", "wholesale", "returning", "Local"]
const states = ["SUBSCRIBED", "SUBSCRIBED", "SUBSCRIBED", "NOT_SUBSCRIBED", "NOT_SUBSCRIBED", "UNSUBSCRIBED", "PENDING", "INVALID"]

interface Change {
  readonly updatedAt: number
  /** How often it was edited: shows in its order count and amount spent. */
  readonly version: number
}

export class Dataset {
  readonly seed: number
  readonly size: number
  private readonly run: number
  private readonly start: number
  private readonly tieOrder: "ascending-id" | "descending-id"
  /** Customers added after seeding (indexes `size ..`). */
  private added = 0
  private readonly changed = new Map<number, Change>()
  private readonly deleted = new Set<number>()
  /** Indexes of `changed`, in key order; rebuilt after a change. */
  private changedOrder: Array<number> | undefined
  /** The time of the next edit or addition (ms). */
  private clock: number

  constructor(options: DatasetOptions) {
    this.seed = options.seed
    this.size = options.size
    this.run = options.sameTimestampRun ?? 7
    this.start = options.start ?? Date.UTC(2025, 0, 1)
    this.tieOrder = options.tieOrder ?? "ascending-id"
    this.clock = this.seededAt(Math.max(0, this.size - 1)) + 3_600_000
  }

  /** Customers the shop holds now. */
  get count(): number {
    return this.size + this.added - this.deleted.size
  }

  /** The newest `updatedAt` there can be so far (ms). */
  get now(): number {
    return this.clock
  }

  private seededAt(index: number): number {
    return this.start + Math.floor(index / this.run) * 61_000
  }

  exists(index: number): boolean {
    return index >= 0 && index < this.size + this.added && !this.deleted.has(index)
  }

  /** The numeric customer id of customer `index`. */
  idOf(index: number): number {
    if (this.tieOrder === "ascending-id" || index >= this.size) return ID_BASE + index
    const runStart = index - (index % this.run)
    const runEnd = Math.min(runStart + this.run, this.size) - 1
    return ID_BASE + runStart + (runEnd - index)
  }

  /** The external id the connector gives customer `index`. */
  externalId(index: number): string {
    return `gid://shopify/Customer/${this.idOf(index)}`
  }

  keyOf(index: number): Key {
    return { updatedAt: this.changed.get(index)?.updatedAt ?? this.seededAt(index), index }
  }

  /** Adds `count` customers with valid, distinct emails; returns their indexes. */
  add(count: number, options: { readonly sameTimestamp?: boolean } = {}): ReadonlyArray<number> {
    const indexes: Array<number> = []
    for (let n = 0; n < count; n++) {
      const index = this.size + this.added++
      this.changed.set(index, { updatedAt: this.tick(options.sameTimestamp === true && n > 0), version: 0 })
      indexes.push(index)
    }
    this.changedOrder = undefined
    return indexes
  }

  /** Edits the customers (their orders and amount spent), moving them to the end of the order. */
  edit(indexes: ReadonlyArray<number>): void {
    for (const index of indexes) {
      if (!this.exists(index)) throw new Error(`fake shop: no customer ${index} to edit`)
      this.changed.set(index, { updatedAt: this.tick(false), version: (this.changed.get(index)?.version ?? 0) + 1 })
    }
    this.changedOrder = undefined
  }

  /** Deletes customers: they vanish from every answer (Shopify has no tombstones). */
  remove(indexes: ReadonlyArray<number>): void {
    for (const index of indexes) this.deleted.add(index)
  }

  /**
   * `count` live customers picked deterministically (the `n`-th pick of the dataset), only
   * those `where` holds for: e.g. {@link ownsEmail}, for edits that must show as updates.
   */
  pick(count: number, n: number, where: (index: number) => boolean = () => true): ReadonlyArray<number> {
    const prng = Prng.derive(this.seed ^ 0x5eed, n)
    const picked = new Set<number>()
    const total = this.size + this.added
    for (let tries = 0; picked.size < Math.min(count, this.count) && tries < 100 * count + total; tries++) {
      const index = prng.int(total)
      if (this.exists(index) && where(index)) picked.add(index)
    }
    return [...picked]
  }

  /** Whether the customer's email is valid and no other customer has it (up to case and spaces). */
  ownsEmail(index: number): boolean {
    const email = this.validEmail(index)
    const holds = (i: number) => this.exists(i) && this.customer(i).defaultEmailAddress?.emailAddress?.trim().toLowerCase() === email
    return this.customer(index).defaultEmailAddress?.emailAddress === email && !holds(index + 1)
  }

  private tick(same: boolean): number {
    if (!same) this.clock += 1000
    return this.clock
  }

  /** Live customer indexes in `UPDATED_AT` order, strictly after `after` (from the start without). */
  *ordered(after?: Key): Generator<number> {
    const changed = (this.changedOrder ??= [...this.changed.keys()].sort((a, b) => compareKeys(this.keyOf(a), this.keyOf(b))))
    // Seeded customers are sorted by index already: binary search for the first one after `after`.
    let lo = 0
    let hi = this.size
    if (after !== undefined) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (compareKeys({ updatedAt: this.seededAt(mid), index: mid }, after) > 0) hi = mid
        else lo = mid + 1
      }
    }
    let seeded = lo
    let j = after === undefined ? 0 : upperBound(changed, (index) => compareKeys(this.keyOf(index), after) > 0)
    for (;;) {
      while (seeded < this.size && (this.changed.has(seeded) || this.deleted.has(seeded))) seeded++
      while (j < changed.length && this.deleted.has(changed[j]!)) j++
      const fromSeed = seeded < this.size ? seeded : undefined
      const fromChanged = changed[j]
      if (fromSeed === undefined && fromChanged === undefined) return
      if (fromChanged === undefined || (fromSeed !== undefined && compareKeys(this.keyOf(fromSeed), this.keyOf(fromChanged)) < 0)) {
        seeded++
        yield fromSeed!
      } else {
        j++
        yield fromChanged
      }
    }
  }

  /** Customer `index` as the API shows it now. */
  customer(index: number): CustomerNode {
    const prng = Prng.derive(this.seed, index)
    const version = this.changed.get(index)?.version ?? 0
    const { first, last } = this.names(index)
    const place = prng.pick(places)
    const id = this.idOf(index)
    const email = this.email(index, prng)
    const tags = tagPool.filter(() => prng.chance(0.3))
    const phone = prng.chance(0.6) ? `+4420794${String(index % 100_000).padStart(5, "0")}` : null
    const orders = prng.int(20) + version
    return {
      id: `gid://shopify/Customer/${id}`,
      legacyResourceId: String(id),
      firstName: first,
      lastName: last,
      displayName: [first, last].filter((n) => n !== null).join(" "),
      defaultEmailAddress: email === undefined
        ? null
        : { emailAddress: email, marketingState: prng.pick(states), marketingOptInLevel: prng.chance(0.5) ? "SINGLE_OPT_IN" : null },
      defaultPhoneNumber: phone === null ? null : { phoneNumber: phone, marketingState: "NOT_SUBSCRIBED" },
      defaultAddress: prng.chance(0.8)
        ? {
          address1: `${1 + prng.int(200)} High Street`,
          address2: prng.chance(0.3) ? `Flat ${1 + prng.int(9)}` : null,
          city: place.city,
          province: null,
          country: place.country,
          countryCodeV2: place.code,
          zip: String(10_000 + prng.int(89_999)),
          company: prng.chance(0.3) ? `${last ?? "Acme"} Ltd` : null,
          phone
        }
        : null,
      tags,
      note: version > 0 ? `edited ${version} time(s)` : null,
      numberOfOrders: String(orders),
      amountSpent: { amount: (orders * 17.25).toFixed(2), currencyCode: place.currency },
      createdAt: new Date(this.start - 86_400_000).toISOString().replace(".000Z", "Z"),
      updatedAt: new Date(this.keyOf(index).updatedAt).toISOString().replace(".000Z", "Z")
    }
  }

  private names(index: number): { first: string | null; last: string | null } {
    const prng = Prng.derive(this.seed ^ 0x4a3e, index)
    return { first: prng.chance(0.95) ? prng.pick(firstNames) : null, last: prng.pick(lastNames) }
  }

  private validEmail(index: number): string {
    const { first, last } = this.names(index)
    const local = `${first ?? "customer"}.${last}`.normalize("NFKD").replace(/[^A-Za-z.]/g, "").toLowerCase()
    return `${local}.${ID_BASE + index}@example.com`
  }

  /**
   * The email as the shop holds it: mostly valid; some missing (undefined: no default email,
   * null: an email object without an address), some invalid, and some equal to another
   * customer's up to case and spaces. Added customers always get a valid, distinct one.
   */
  private email(index: number, prng: Prng.Prng): string | null | undefined {
    if (index >= this.size) return this.validEmail(index)
    const roll = prng.next()
    if (roll < 0.03) return undefined
    if (roll < 0.05) return null
    if (roll < 0.09) return prng.pick(["not-an-email", `${this.validEmail(index).split("@")[0]}@`, "two@@example.com"])
    if (roll < 0.12 && index > 0) return `  ${this.validEmail(index - 1).toUpperCase()} `
    return this.validEmail(index)
  }
}

/** The first position in `items` where `after` holds (it is false, then true). */
const upperBound = <A>(items: ReadonlyArray<A>, after: (item: A) => boolean): number => {
  let lo = 0
  let hi = items.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (after(items[mid]!)) hi = mid
    else lo = mid + 1
  }
  return lo
}
