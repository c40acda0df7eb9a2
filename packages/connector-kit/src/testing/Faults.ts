/**
 * A fault switchboard a fake consults on every request: arm a fault for the next N requests
 * (or flip a flag) from a test, and the fake answers accordingly. One `Faults` per fake.
 *
 * In a handler: `const fault = await faults.intercept(); if (fault) return fault`, then answer
 * with `faults.json(body)` (which applies a pending repeated, stalled or malformed-body fault). Token and cursor
 * switches are read by the fake's own logic (`refreshTokensRevoked`, `accessTokenEpoch`,
 * `cursorEpoch`).
 */

export type Malformation =
  /** The JSON text cut in half, as a dropped connection leaves it. */
  | "truncated"
  /** Valid JSON, but every top-level array replaced by a string. */
  | "wrong-shape"

export interface FaultsOptions {
  /** The service's error body for a status (its error envelope). */
  readonly errorBody: (status: number, message: string) => unknown
  /**
   * A `"wrong-shape"` version of a body, for services whose records are not in a top-level
   * array (a GraphQL envelope: `data.customers.nodes`). Default: every top-level array replaced
   * by a string.
   */
  readonly reshape?: (body: unknown) => unknown
}

export class Faults {
  private rateLimited: Array<number | undefined> = []
  private failures: Array<number> = []
  private slow: Array<number> = []
  private malformed: Array<Malformation> = []
  private stalls = 0
  /** Armed by {@link repeatAnswers}: how many more answers repeat the recorded one. */
  private repeats = 0
  private recorded: unknown = undefined
  /** Set by {@link revokeRefreshTokens}: the token endpoint answers `invalid_grant`. */
  refreshTokensRevoked = false
  /** Set by {@link echoRequests}: error answers quote the request they got (fakes read it). */
  echoingRequests = false
  /** Bumped by {@link expireAccessTokens}: access tokens issued before are rejected (401). */
  accessTokenEpoch = 0
  /** Bumped by {@link expireCursors}: sync cursors issued before are rejected as expired. */
  cursorEpoch = 0
  /** Requests seen by `intercept`, and how many of them a fault answered. */
  requests = 0
  faulted = 0

  constructor(private readonly options: FaultsOptions) {}

  /** The next `count` requests get 429, with `Retry-After: <seconds>` when given. */
  rateLimitNext(count: number, retryAfterSeconds?: number): this {
    for (let i = 0; i < count; i++) this.rateLimited.push(retryAfterSeconds)
    return this
  }

  /** The next `count` requests get `status` (a 5xx). */
  failNext(count: number, status: 500 | 502 | 503 | 504 = 503): this {
    for (let i = 0; i < count; i++) this.failures.push(status)
    return this
  }

  /** The next `count` requests answer after `millis` (real time: keep it short in tests). */
  slowNext(count: number, millis: number): this {
    for (let i = 0; i < count; i++) this.slow.push(millis)
    return this
  }

  /** The next `count` successful answers have a malformed body. */
  malformNext(count: number, how: Malformation = "truncated"): this {
    for (let i = 0; i < count; i++) this.malformed.push(how)
    return this
  }

  /**
   * The next `count` successful answers send their headers and half of their body, then nothing
   * more (the connection stays open): a service that stalls after its headers.
   */
  stallNext(count: number): this {
    this.stalls += count
    return this
  }

  /**
   * The next successful answer is recorded, and the `count` after it repeat it: a service that
   * keeps answering with the same page (its next page token, or records, again).
   */
  repeatAnswers(count: number): this {
    this.repeats = count
    this.recorded = undefined
    return this
  }

  revokeRefreshTokens(): this {
    this.refreshTokensRevoked = true
    return this
  }

  /**
   * Error answers quote the request they got, as some token endpoints do: its refresh token and
   * client secret come back in the error text.
   */
  echoRequests(): this {
    this.echoingRequests = true
    return this
  }

  expireAccessTokens(): this {
    this.accessTokenEpoch++
    return this
  }

  expireCursors(): this {
    this.cursorEpoch++
    return this
  }

  /** Disarms every pending fault, un-revokes refresh tokens, stops echoing (epochs stay: expiry is final). */
  clear(): this {
    this.rateLimited = []
    this.failures = []
    this.slow = []
    this.malformed = []
    this.stalls = 0
    this.repeats = 0
    this.recorded = undefined
    this.refreshTokensRevoked = false
    this.echoingRequests = false
    return this
  }

  /** The answer of a pending 429/5xx fault (after any slow-down), or undefined to go on. */
  async intercept(): Promise<Response | undefined> {
    this.requests++
    const delay = this.slow.shift()
    if (delay !== undefined) await new Promise((resolve) => setTimeout(resolve, delay))
    if (this.rateLimited.length > 0) {
      const retryAfter = this.rateLimited.shift()
      this.faulted++
      return Response.json(this.options.errorBody(429, "Quota exceeded: too many requests."), {
        status: 429,
        headers: retryAfter === undefined ? {} : { "retry-after": String(retryAfter) }
      })
    }
    const status = this.failures.shift()
    if (status !== undefined) {
      this.faulted++
      return Response.json(this.options.errorBody(status, "The service is currently unavailable."), { status })
    }
    return undefined
  }

  /** A JSON answer: repeated, stalled or malformed when such a fault is pending. */
  json(fresh: unknown, init?: ResponseInit): Response {
    let body = fresh
    if (this.repeats > 0) {
      if (this.recorded === undefined) {
        this.recorded = fresh
      } else {
        this.repeats--
        this.faulted++
        body = this.recorded
      }
    }
    if (this.stalls > 0) {
      this.stalls--
      this.faulted++
      const text = JSON.stringify(body)
      const stalled = new ReadableStream<Uint8Array>({
        start: (controller) => controller.enqueue(new TextEncoder().encode(text.slice(0, Math.floor(text.length / 2))))
        // Never closed: the rest never comes.
      })
      return new Response(stalled, { ...init, headers: { "content-type": "application/json", ...(init?.headers as Record<string, string> | undefined) } })
    }
    const how = this.malformed.shift()
    if (how === undefined) return Response.json(body, init)
    this.faulted++
    const headers = { "content-type": "application/json", ...(init?.headers as Record<string, string> | undefined) }
    if (how === "truncated") {
      const text = JSON.stringify(body)
      return new Response(text.slice(0, Math.floor(text.length / 2)), { ...init, headers })
    }
    const reshaped = this.options.reshape?.(body) ?? Object.fromEntries(
      Object.entries(body as Record<string, unknown>).map(([key, value]) => [key, Array.isArray(value) ? "unexpected" : value])
    )
    return new Response(JSON.stringify(reshaped), { ...init, headers })
  }
}
