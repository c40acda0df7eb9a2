/**
 * The Google Contacts fake for benchmarks, run in a process of its own (`node fake.js`) so the
 * fake's CPU (rendering people, MSW's matching) is not counted against the process measured.
 *
 * One loopback server holds many fake Google accounts: the benchmarks of many imports need one
 * account per import (imports of one account are serialized and share its rate budget), and
 * one port per account would not scale to 10,000. The service's base URL is an operator
 * setting shared by every import, so requests are routed the way Google tells users apart: by
 * credentials. A token request goes to the account of its `client_id`; an API request to the
 * account that issued its bearer token. The connector's own MSW handlers answer, run directly
 * (`handler.run`) behind a plain `node:http` server.
 */
import { type GoogleFake, makeGoogleFake } from "@autoimport/connector-google-contacts/fake"
import { createServer, type IncomingMessage } from "node:http"
import type { AddressInfo } from "node:net"

export interface FakeAccount {
  readonly seed: number
  readonly size: number
}

/** Accounts are registered with a POST of `FakeAccount[]` here before they are used. */
export const registerPath = "/_bench/accounts"

/** `GET …?seed=N`: the requests the served account `N` has seen so far, per endpoint (`GoogleFake.counts`). */
export const countsPath = "/_bench/counts"

/**
 * `POST { seed, count }`: `count` people of the served account `seed` change their job title (a
 * new version, a later update time), so the next incremental sync fetches exactly them.
 */
export const editPath = "/_bench/edit"

/**
 * The fake for `account` as the benchmark process sees it: the same seed and size give the same
 * people and credentials as the served one, so its truth model (`expected`) gives the rows a
 * sync of the served account must write.
 */
export const fakeOf = (account: FakeAccount): GoogleFake => makeGoogleFake({ seed: account.seed, size: account.size })

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Array<Buffer> = []
    req.on("data", (chunk: Buffer) => chunks.push(chunk))
    req.on("end", () => resolve(Buffer.concat(chunks)))
    req.on("error", reject)
  })

const plain = (status: number, text: string) => new Response(text, { status })

/** Serves the registered accounts on 127.0.0.1; resolves with the server's base URL. */
export const serve = (): Promise<string> => {
  const byClient = new Map<string, GoogleFake>()
  const byToken = new Map<string, GoogleFake>()
  const bySeed = new Map<number, GoogleFake>()
  /** Per account, the index of the next person to edit: edits go round the account. */
  const editCursor = new Map<GoogleFake, number>()
  let requestIds = 0

  const edit = ({ count, seed }: { readonly seed: number; readonly count: number }) => {
    const fake = bySeed.get(seed)
    if (fake === undefined) return plain(404, `no registered account ${seed}`)
    let cursor = editCursor.get(fake) ?? 0
    const end = cursor + 2 * fake.dataset.options.size // bounded even in an account of people without emails
    let edited = 0
    for (; edited < count && cursor < end; cursor++) {
      const person = fake.dataset.at(cursor % fake.dataset.options.size)
      // People without an email would only be skipped: a change that matters has one.
      if (person.email === null || person.deleted) continue
      fake.dataset.edit(person.resourceName, { jobTitle: `bench edit ${cursor}` })
      edited++
    }
    editCursor.set(fake, cursor)
    return edited === count ? new Response(null, { status: 204 }) : plain(409, `only ${edited} people with an email to edit`)
  }

  const answer = async (req: IncomingMessage): Promise<Response> => {
    const body = req.method === "GET" || req.method === "HEAD" ? undefined : await readBody(req)
    if (req.url === registerPath) {
      for (const account of JSON.parse(String(body)) as ReadonlyArray<FakeAccount>) {
        const fake = fakeOf(account)
        byClient.set(fake.credentials.clientId, fake)
        bySeed.set(account.seed, fake)
      }
      return new Response(null, { status: 204 })
    }
    if (req.url === editPath) return edit(JSON.parse(String(body)))
    if (req.url?.startsWith(`${countsPath}?`)) {
      const fake = bySeed.get(Number(new URLSearchParams(req.url.slice(countsPath.length + 1)).get("seed")))
      return fake === undefined ? plain(404, "no such account") : Response.json(fake.counts)
    }
    const fake = req.url === "/token"
      ? byClient.get(new URLSearchParams(String(body)).get("client_id") ?? "")
      : byToken.get(/^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? "")
    if (fake === undefined) return plain(401, "no registered account for these credentials")
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value)
    }
    const origin = `http://${req.headers.host}`
    const request = new Request(`${origin}${req.url}`, {
      method: req.method ?? "GET",
      headers,
      ...(body === undefined ? {} : { body })
    })
    for (const handler of fake.handlers) {
      // Relative handler paths resolve against the server's origin (Node has no `location`).
      const result = await handler.run({ request, requestId: String(++requestIds), resolutionContext: { baseUrl: origin } })
      if (result?.response) {
        if (req.url === "/token" && result.response.ok) {
          const grant = await result.response.clone().json() as { access_token: string }
          byToken.set(grant.access_token, fake)
        }
        return result.response
      }
    }
    return plain(404, "no handler")
  }

  const server = createServer((req, res) => {
    answer(req).then(
      async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers))
        res.end(Buffer.from(await response.arrayBuffer()))
      },
      (error: unknown) => {
        res.writeHead(500)
        res.end(String(error))
      }
    )
  })
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
  )
}

