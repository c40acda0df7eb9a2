/**
 * The fake's Google account: a seeded, deterministic set of people plus a change log. Base
 * people are built on demand from (seed, index), so a million of them cost no memory until
 * changed; only changes are stored. Every change (add, edit, delete, re-key) appends to the log,
 * which is what page tokens and sync tokens point into.
 */
import { Prng } from "@autoimport/connector-kit/testing"

export interface Birthday {
  readonly year?: number
  readonly month: number
  readonly day: number
}

/** What a person *is*: the truth the fake renders as People API JSON and tests compare with. */
export interface PersonData {
  readonly givenName: string
  readonly familyName: string | null
  /** The primary email as the user typed it (may be invalid, odd case, padded), or none. */
  readonly email: string | null
  readonly otherEmails: ReadonlyArray<string>
  readonly phone: string | null
  readonly company: string | null
  readonly jobTitle: string | null
  readonly department: string | null
  readonly birthday: Birthday | null
  readonly address: { readonly street: string; readonly city: string; readonly country: string } | null
  readonly notes: string | null
  /** Contact group ids, always including `myContacts`. */
  readonly groups: ReadonlyArray<string>
  /** Whether the person is also linked to a Google profile (a second source). */
  readonly profileSource: boolean
}

export interface FakePerson extends PersonData {
  readonly index: number
  readonly resourceName: string
  readonly previousResourceNames: ReadonlyArray<string>
  readonly version: number
  readonly updateTime: string
  readonly deleted: boolean
}

export interface DatasetOptions {
  readonly seed: number
  readonly size: number
  readonly missingEmailRatio: number
  readonly invalidEmailRatio: number
  /** People whose email equals another person's up to case and surrounding spaces. */
  readonly duplicateEmailRatio: number
  /** Contact groups besides `myContacts`; each person is in each with probability 0.3. */
  readonly groups: ReadonlyArray<string>
  /** How many consecutive base people share one `updateTime`. */
  readonly sameUpdateTimeRun: number
}

const givenNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Ken", "Radia", "Tim", "Hedy", "Claude", "Katherine", "Dennis", "Sophie", "Linus", "Anita", "Niklaus", "Zoë", "José", "Björn", "Łucja"]
const familyNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "McCarthy", "Hamilton", "Thompson", "Perlman", "Berners-Lee", "Lamarr", "Shannon", "Johnson", "Ritchie", "Wilson", "Torvalds", "Borg", "Wirth", "O'Neil", "Müller"]
const companies = ["Analytical Engines Ltd", "Compiler Corp", "Bletchley Works", "Semaphore GmbH", "Initech", "Acme Widgets", "Globex"]
const titles = ["Programmer", "Engineer", "Director", "Analyst", "Founder", "Researcher"]
const departments = ["R&D", "Sales", "Operations", "Finance"]
const places = [["London", "UK"], ["Berlin", "Germany"], ["Zürich", "Switzerland"], ["Boston", "USA"], ["Kraków", "Poland"], ["Lyon", "France"]] as const
const invalidEmails = ["not-an-email", "bob@", "@example.com", "two words@example.com", "x@@example.com", "trailing.dot.@example.com"]

const BASE_TIME = Date.parse("2026-01-01T00:00:00Z")

/** Resource names are `people/c` + 19 digits, as Google's are; the index is recoverable. */
const namePrefix = (seed: number) => 7_000_000_000_000_000_000n + BigInt((seed >>> 0) % 1000) * 1_000_000_000_000n
const RENAMED_OFFSET = 500_000_000_000n

/** The email a valid person `index` would have, before duplicates and odd spellings. */
const plainEmail = (index: number, given: string, family: string | null) =>
  `${given}.${family ?? "x"}.${index}@example.com`.toLowerCase().replace(/[^a-z0-9.@-]/g, "")

export class Dataset {
  private baseSize: number
  private nextIndex: number
  private renames = 0
  /** People that changed since the seed, by index. */
  private readonly changed = new Map<number, FakePerson>()
  /** Re-keyed resource names → index. */
  private readonly renamed = new Map<string, number>()
  /** The change log: entry `k` is change number `k + 1` (the sequence number). */
  private readonly log: Array<number> = []
  /** Index → sequence number of its latest change. */
  private readonly latest = new Map<number, number>()

  constructor(readonly options: DatasetOptions) {
    this.baseSize = options.size
    this.nextIndex = options.size
  }

  /** Changes so far; a sync token issued now replays the ones after it. */
  get seq(): number {
    return this.log.length
  }

  resourceNameOf(index: number): string {
    return `people/c${namePrefix(this.options.seed) + BigInt(index)}`
  }

  indexOf(resourceName: string): number | undefined {
    const renamed = this.renamed.get(resourceName)
    if (renamed !== undefined) return renamed
    const match = /^people\/c(\d+)$/.exec(resourceName)
    if (!match) return undefined
    const index = Number(BigInt(match[1]!) - namePrefix(this.options.seed))
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.nextIndex) return undefined
    return index
  }

  /** The person now (deleted ones included), or undefined for a name never issued or since replaced. */
  get(resourceName: string): FakePerson | undefined {
    const index = this.indexOf(resourceName)
    if (index === undefined) return undefined
    const person = this.at(index)
    return person.resourceName === resourceName ? person : undefined
  }

  at(index: number): FakePerson {
    return this.changed.get(index) ?? this.base(index)
  }

  private base(index: number): FakePerson {
    return {
      ...this.generate(index, 0),
      index,
      resourceName: this.resourceNameOf(index),
      previousResourceNames: [],
      version: 0,
      updateTime: new Date(BASE_TIME + Math.floor(index / this.options.sameUpdateTimeRun) * 1000).toISOString(),
      deleted: false
    }
  }

  private generate(index: number, version: number): PersonData {
    const o = this.options
    const r = Prng.derive(o.seed, index * 64 + (version % 64))
    const givenName = r.pick(givenNames)
    const familyName = r.chance(0.1) ? null : r.pick(familyNames)
    const roll = r.next()
    let email: string | null
    if (roll < o.missingEmailRatio) email = null
    else if (roll < o.missingEmailRatio + o.invalidEmailRatio) email = r.pick(invalidEmails)
    else if (index > 0 && roll < o.missingEmailRatio + o.invalidEmailRatio + o.duplicateEmailRatio) {
      // Another person's address, spelled differently: the same contact after normalization.
      const other = Prng.derive(o.seed, (index - 1) * 64)
      const otherGiven = other.pick(givenNames)
      const otherFamily = other.chance(0.1) ? null : other.pick(familyNames)
      email = `  ${plainEmail(index - 1, otherGiven, otherFamily).toUpperCase()} `
    } else {
      const plain = plainEmail(index, givenName, familyName)
      email = r.chance(0.1) ? plain.replace(/^./, (c) => c.toUpperCase()).replace("@example.com", "@Example.COM") : plain
    }
    const place = r.pick(places)
    const hasCompany = r.chance(0.6)
    return {
      givenName,
      familyName,
      email,
      otherEmails: r.chance(0.3) ? [`${givenName.toLowerCase()}.${index}@home.example.org`] : [],
      phone: r.chance(0.7) ? `+1 555 01${String(r.int(100_000)).padStart(5, "0")}` : null,
      company: hasCompany ? r.pick(companies) : null,
      jobTitle: hasCompany && r.chance(0.5) ? r.pick(titles) : null,
      department: hasCompany && r.chance(0.3) ? r.pick(departments) : null,
      birthday: r.chance(0.4)
        ? { ...(r.chance(0.8) ? { year: 1950 + r.int(56) } : {}), month: 1 + r.int(12), day: 1 + r.int(28) }
        : null,
      address: r.chance(0.4) ? { street: `${1 + r.int(200)} ${r.pick(["High St", "Main St", "Hauptstraße"])}`, city: place[0], country: place[1] } : null,
      notes: r.chance(0.2) ? `Met at event ${r.int(1000)}` : null,
      groups: ["myContacts", ...o.groups.filter(() => r.chance(0.3))],
      profileSource: r.chance(0.2)
    }
  }

  private record(index: number, person: FakePerson): FakePerson {
    this.log.push(index)
    this.latest.set(index, this.log.length)
    const stamped = {
      ...person,
      updateTime: new Date(BASE_TIME + (Math.ceil(this.baseSize / this.options.sameUpdateTimeRun) + this.log.length) * 1000).toISOString()
    }
    this.changed.set(index, stamped)
    return stamped
  }

  private live(resourceName: string): FakePerson {
    const person = this.get(resourceName)
    if (person === undefined || person.deleted) throw new Error(`Google fake: no live person ${resourceName}`)
    return person
  }

  add(data: Partial<PersonData> = {}): FakePerson {
    const index = this.nextIndex++
    const person = this.base(index)
    return this.record(index, { ...person, ...data })
  }

  /**
   * A new version of the person (a later `updateTime`): with `data`, just those values change;
   * without, every value is generated afresh (the email too).
   */
  edit(resourceName: string, data?: Partial<PersonData>): FakePerson {
    const person = this.live(resourceName)
    const version = person.version + 1
    return this.record(person.index, { ...person, ...(data ?? this.generate(person.index, version)), version })
  }

  remove(resourceName: string): void {
    const person = this.live(resourceName)
    this.record(person.index, { ...person, deleted: true, version: person.version + 1 })
  }

  /** Gives the person a new resource name (as when Google links a contact to a profile). */
  rekey(resourceName: string): FakePerson {
    const person = this.live(resourceName)
    const next = `people/c${namePrefix(this.options.seed) + RENAMED_OFFSET + BigInt(this.renames++)}`
    this.renamed.set(next, person.index)
    return this.record(person.index, {
      ...person,
      resourceName: next,
      previousResourceNames: [...person.previousResourceNames, person.resourceName],
      version: person.version + 1
    })
  }

  /**
   * Scans the full listing from position `from`: base people in index order (those never
   * changed), then the change log (each person at its latest change; deleted ones left out).
   * Positions are stable, so a page token stays valid while people change: a person edited
   * after the scan passed it shows up again at the end (a harmless repeat), never lost.
   */
  fullPage(from: number, size: number): { readonly people: Array<FakePerson>; readonly next: number | undefined } {
    const people: Array<FakePerson> = []
    let pos = from
    const end = this.baseSize + this.log.length
    for (; pos < end && people.length < size; pos++) {
      if (pos < this.baseSize) {
        if (!this.changed.has(pos)) people.push(this.base(pos))
      } else {
        const person = this.fromLog(pos - this.baseSize)
        if (person !== undefined && !person.deleted) people.push(person)
      }
    }
    return { people, next: pos < end ? pos : undefined }
  }

  /** Scans the changes after sequence number `since` from log position `from` (tombstones included). */
  changesPage(from: number, size: number): { readonly people: Array<FakePerson>; readonly next: number | undefined } {
    const people: Array<FakePerson> = []
    let pos = from
    for (; pos < this.log.length && people.length < size; pos++) {
      const person = this.fromLog(pos)
      if (person !== undefined) people.push(person)
    }
    return { people, next: pos < this.log.length ? pos : undefined }
  }

  /** The person changed by log entry `k`, if that is still its latest change. */
  private fromLog(k: number): FakePerson | undefined {
    const index = this.log[k]!
    return this.latest.get(index) === k + 1 ? this.changed.get(index) : undefined
  }

  /** Every live person, in full-listing order. */
  *people(): Generator<FakePerson> {
    for (let pos: number | undefined = 0; pos !== undefined;) {
      const page = this.fullPage(pos, 1000)
      yield* page.people
      pos = page.next
    }
  }
}
