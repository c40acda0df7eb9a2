/**
 * A faithful, seeded fake of the Example Service API for tests, the acceptance suite and
 * sandboxes: MSW handlers over a stateful dataset, with the kit's fault switches.
 *
 * Serve it on a real port with `serveFake(fake.handlers)` from `@autoimport/connector-kit/testing`
 * and point the connector's `baseUrl` setting at the URL. It loads outside a test runner too, so
 * a sandbox or a demo can serve it.
 */
import { type AcceptanceFake, Faults, Prng } from "@autoimport/connector-kit/testing"
import { http } from "msw"

export interface FakeOptions {
  /** The same seed gives the same dataset. */
  readonly seed: number
  /** How many contacts the service holds at first. */
  readonly size: number
  /** The API key the fake accepts. Default {@link defaultApiKey}. */
  readonly apiKey?: string
}

export const defaultApiKey = "example-service-test-key"

export interface FakeContact {
  readonly id: number
  readonly email: string | null
  readonly first_name: string
  readonly last_name: string
  readonly company: string
  readonly job_title: string
  readonly tags: ReadonlyArray<string>
  /** Epoch millis; the API shows it as ISO text. */
  readonly updatedAt: number
}

const firstNames = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus"]
const lastNames = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson", "Perlman", "Torvalds"]
const companies = ["Initech", "Globex", "Umbrella", "Hooli", "Vandelay", "Soylent"]
const titles = ["Engineer", "Buyer", "Founder", "Analyst", "Designer"]
const tags = ["customer", "lead", "partner"]

export const makeFake = (options: FakeOptions) => {
  const apiKey = options.apiKey ?? defaultApiKey
  const faults = new Faults({ errorBody: (status, message) => ({ error: { status, message } }) })
  const contacts = new Map<number, FakeContact>()
  // The service's clock: every change moves it one second, so runs are deterministic.
  let now = Date.UTC(2024, 0, 1)
  let nextId = 1
  let edits = 0

  const create = (updatedAt: number, withValidEmail = false): FakeContact => {
    const id = nextId++
    const prng = Prng.derive(options.seed, id)
    const first = prng.pick(firstNames)
    const last = prng.pick(lastNames)
    // In the seeded dataset every 13th contact has no email and every 17th an invalid one: the
    // skips the engine records.
    const email = withValidEmail ? `${first}.${last}.${id}@example.com`
      : id % 13 === 0 ? null
      : id % 17 === 0 ? `${first}.${last}.at.example.com`
      : `${first}.${last}.${id}@example.com`
    const contact: FakeContact = {
      id,
      email,
      first_name: first,
      last_name: last,
      company: prng.pick(companies),
      job_title: prng.pick(titles),
      tags: tags.filter(() => prng.chance(0.5)),
      updatedAt
    }
    contacts.set(id, contact)
    return contact
  }
  // Three contacts per timestamp from the start: position boundaries fall between equal timestamps.
  for (let i = 0; i < options.size; i++) create(now + Math.floor(i / 3) * 1000)
  now += Math.ceil(options.size / 3) * 1000

  const badRequest = (message: string) => Response.json({ error: { status: 400, message } }, { status: 400 })

  const handlers = [
    http.get("/contacts", async ({ request }) => {
      const fault = await faults.intercept()
      if (fault) return fault
      if (faults.refreshTokensRevoked || request.headers.get("authorization") !== `Bearer ${apiKey}`) {
        return Response.json({ error: { status: 401, message: "Invalid API key." } }, { status: 401 })
      }
      const params = new URL(request.url).searchParams
      const limit = Number(params.get("limit") ?? "100")
      if (!Number.isInteger(limit) || limit < 1 || limit > 100) return badRequest("limit must be an integer from 1 to 100")
      const since = params.get("updated_since")
      const sinceMillis = since === null ? Number.NEGATIVE_INFINITY : Date.parse(since)
      if (Number.isNaN(sinceMillis)) return badRequest("updated_since must be an ISO 8601 time")
      const afterId = Number(params.get("after_id") ?? "0")
      if (!Number.isInteger(afterId)) return badRequest("after_id must be an integer")
      const tag = params.get("tag")
      // Strictly after (updated_since, after_id), in that order: the API's documented keyset paging.
      const matching = [...contacts.values()]
        .filter((c) => c.updatedAt > sinceMillis || (c.updatedAt === sinceMillis && c.id > afterId))
        .filter((c) => tag === null || c.tags.includes(tag))
        .sort((a, b) => a.updatedAt - b.updatedAt || a.id - b.id)
      const page = matching.slice(0, limit)
      return faults.json({
        contacts: page.map(({ tags: _tags, updatedAt, ...rest }) => ({ ...rest, updated_at: new Date(updatedAt).toISOString() })),
        has_more: matching.length > limit
      })
    })
  ]

  const withEmail = () => [...contacts.values()].filter((c) => c.email !== null && c.email.includes("@"))

  return {
    apiKey,
    faults,
    handlers,
    contacts: (): ReadonlyArray<FakeContact> => [...contacts.values()],
    /** Adds `count` contacts with valid emails; with `sameTimestamp` all of them are modified at one instant. */
    add: (count: number, addOptions?: { readonly sameTimestamp?: boolean }): ReadonlyArray<FakeContact> => {
      const shared = (now += 1000)
      return Array.from({ length: count }, () => create(addOptions?.sameTimestamp ? shared : (now += 1000), true))
    },
    /** Changes the job title of `count` contacts that have an email (so each edit is one update). */
    edit: (count: number): ReadonlyArray<FakeContact> =>
      withEmail().slice(0, count).map((contact) => {
        const edited = { ...contact, job_title: `${contact.job_title} (revision ${++edits})`, updatedAt: (now += 1000) }
        contacts.set(contact.id, edited)
        return edited
      }),
    remove: (count: number): ReadonlyArray<FakeContact> =>
      withEmail().slice(0, count).map((contact) => {
        contacts.delete(contact.id)
        return contact
      }),
    /** A position a day after the service's clock: nothing is after it. */
    futureCursor: () => ({ updatedSince: new Date(now + 86_400_000).toISOString(), afterId: 0 })
  }
}

export type Fake = ReturnType<typeof makeFake>

/** The fake as the kit's acceptance suite sees it. Keyset positions never expire, so `expireCursors` changes nothing here. */
export const acceptanceFake = (fake: Fake): AcceptanceFake => ({
  handlers: fake.handlers,
  faults: fake.faults,
  settings: (url) => ({ baseUrl: url, pageSize: 10 }),
  config: () => ({ apiKey: fake.apiKey }),
  records: () => fake.contacts().map((c) => ({ externalId: String(c.id), email: c.email })),
  add: (count, options) => fake.add(count, options).map((c) => String(c.id)),
  edit: (count) => fake.edit(count).map((c) => String(c.id)),
  remove: (count) => fake.remove(count).map((c) => String(c.id)),
  deletions: "not-reported",
  futureCursor: fake.futureCursor
})
