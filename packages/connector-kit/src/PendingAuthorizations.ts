/**
 * The authorizations a runner has sent users off to consent to and not yet seen come back: one
 * entry per `state` (RFC 6749 §10.12), bound to the browser session that started it, used at
 * most once, and forgotten after `ttl` (by the Effect `Clock`, so `TestClock` drives it).
 *
 * It lives in the kit, next to the PKCE verifier it keeps, rather than in the core: the core is
 * the sync contract, while this is one step of the grant that `Authorize.ts` runs, and the runner
 * depends on the kit already. It does not use HTTP, so the runner's callback (or a test) can use
 * it alone. It is in memory: an authorization started on one runner process must come back to
 * the same process (a restart forgets every pending one — the user starts again).
 */
import { AuthorizationStateInvalid } from "@autoimport/core/Authorization"
import * as Clock from "effect/Clock"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Redacted from "effect/Redacted"
import { randomBytes } from "node:crypto"
import * as Pkce from "./Pkce.js"

export interface Pending {
  /** The `state` sent to the provider: 32 random bytes, base64url. */
  readonly state: string
  /** The browser session that started it; the callback must come from the same one. */
  readonly sessionId: string
  readonly connectorId: string
  /** The connector's authorization method (`Authorization.OAuth2.id`). */
  readonly methodId: string
  readonly redirectUri: string
  /** What the user typed before consenting (Shopify's shop). */
  readonly input: Readonly<Record<string, string>>
  /** Where the runner sends the user afterwards (its setup dialog). */
  readonly returnTo?: string
  readonly verifier: Redacted.Redacted<string>
  readonly challenge: string
  readonly expiresAt: number
}

export type NewPending = Omit<Pending, "state" | "verifier" | "challenge" | "expiresAt">

export interface PendingAuthorizationsShape {
  /** Records a new authorization with a fresh state and PKCE pair. */
  readonly create: (entry: NewPending) => Effect.Effect<Pending>
  /**
   * Takes the authorization `state` names for `sessionId`, once. A state of another session is
   * refused without being used up, so a forged callback cannot spoil the real one.
   */
  readonly take: (state: string, sessionId: string) => Effect.Effect<Pending, AuthorizationStateInvalid>
}

export class PendingAuthorizations extends Context.Tag("@autoimport/connector-kit/PendingAuthorizations")<
  PendingAuthorizations,
  PendingAuthorizationsShape
>() {}

export interface Options {
  /** How long a user has for the consent page. Default 10 minutes. */
  readonly ttl?: Duration.DurationInput
  /**
   * The most entries kept. Every visit to a "Connect" button makes one, so without a bound a
   * client clicking in a loop would grow the process without end. When full, the oldest goes.
   * Default 10,000.
   */
  readonly capacity?: number
}

type Slot = { readonly pending: Pending; used: boolean }

export const make = (options: Options = {}): Effect.Effect<PendingAuthorizationsShape> =>
  Effect.sync(() => {
    const ttl = Duration.toMillis(options.ttl ?? Duration.minutes(10))
    const capacity = Math.max(1, options.capacity ?? 10_000)
    // Insertion order is creation order, so the first entries are the oldest.
    const slots = new Map<string, Slot>()

    const prune = (now: number) => {
      for (const [state, slot] of slots) if (slot.pending.expiresAt <= now) slots.delete(state)
      while (slots.size >= capacity) slots.delete(slots.keys().next().value!)
    }

    const create = (entry: NewPending) =>
      Effect.gen(function*() {
        const now = yield* Clock.currentTimeMillis
        const pair = yield* Pkce.make
        prune(now)
        const pending: Pending = { ...entry, state: randomBytes(32).toString("base64url"), ...pair, expiresAt: now + ttl }
        slots.set(pending.state, { pending, used: false })
        return pending
      })

    const take = (state: string, sessionId: string) =>
      Effect.flatMap(Clock.currentTimeMillis, (now) => {
        const slot = slots.get(state)
        if (slot === undefined) return Effect.fail(new AuthorizationStateInvalid({ reason: "unknown" }))
        if (slot.pending.expiresAt <= now) {
          slots.delete(state)
          return Effect.fail(new AuthorizationStateInvalid({ reason: "expired" }))
        }
        if (slot.pending.sessionId !== sessionId) return Effect.fail(new AuthorizationStateInvalid({ reason: "other-session" }))
        // Kept as used until it expires, so a second callback is told it was used, not unknown.
        if (slot.used) return Effect.fail(new AuthorizationStateInvalid({ reason: "used" }))
        slot.used = true
        return Effect.succeed(slot.pending)
      })

    return { create, take }
  })

export const layer = (options: Options = {}): Layer.Layer<PendingAuthorizations> => Layer.effect(PendingAuthorizations, make(options))
