/**
 * Proof Key for Code Exchange (RFC 7636): the verifier stays with the runner, its S256
 * challenge goes in the authorize URL, and the token endpoint only exchanges the code for the
 * client that can show the verifier — a code intercepted on its way back is useless alone.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { createHash, randomBytes } from "node:crypto"

export interface Pair {
  readonly verifier: Redacted.Redacted<string>
  /** `BASE64URL(SHA256(verifier))`, sent with `code_challenge_method=S256`. */
  readonly challenge: string
}

/**
 * A new pair. 32 random bytes make a 43-character base64url verifier: the shortest §4.1 allows,
 * with 256 bits of entropy, from the `crypto` generator (Effect's `Random` is not meant for secrets).
 */
export const make: Effect.Effect<Pair> = Effect.sync(() => {
  const verifier = randomBytes(32).toString("base64url")
  return { verifier: Redacted.make(verifier), challenge: challenge(verifier) }
})

/** The S256 challenge of a verifier (§4.2). */
export const challenge = (verifier: string): string => createHash("sha256").update(verifier, "ascii").digest("base64url")

/** Whether a string is a verifier §4.1 allows: 43–128 unreserved characters. */
export const isVerifier = (value: string): boolean => /^[A-Za-z0-9\-._~]{43,128}$/.test(value)
