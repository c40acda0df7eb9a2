/**
 * The consent half of a fake OAuth provider, shared by every connector's fake: the authorize
 * endpoint's page (the app's name, the scopes, Allow and Deny), the redirect back with `code` and
 * `state` or `error=access_denied` and `state` (RFC 6749 §4.1.2), and the checks a token endpoint
 * makes before it exchanges a code (§4.1.3: single use, expiry, client, redirect URI, and the
 * PKCE verifier of RFC 7636 §4.6 when a challenge was sent). Each fake answers in its own
 * service's format and issues its own tokens; this module only says whether a code is good.
 */
import * as Effect from "effect/Effect"
import { createHash, randomBytes } from "node:crypto"

export interface ConsentOptions {
  /** The provider as the page names it: `Google`, `HubSpot`, `Shopify`. */
  readonly provider: string
  /** The OAuth clients the provider knows: id → the app's name shown on the page. */
  readonly clients: Readonly<Record<string, { readonly appName: string }>>
  /** How long a code can be exchanged. Default 10 minutes. */
  readonly codeTtlMillis?: number
  /** The provider's clock. Default `Date.now`; tests pass their own to expire codes. */
  readonly now?: () => number
}

/** A code that may be exchanged, with what was granted. */
export interface Redeemed {
  readonly clientId: string
  readonly scopes: ReadonlyArray<string>
  /** The authorize request's parameters, for provider-specific ones (Google's `access_type=offline`). */
  readonly asked: Readonly<Record<string, string>>
}

export type RedeemResult =
  | { readonly _tag: "Redeemed"; readonly grant: Redeemed }
  | { readonly _tag: "Refused"; readonly error: "invalid_grant" | "invalid_request"; readonly description: string }

export interface Consent {
  /** `GET <authorize path>`: the consent page, or an error page when the request cannot be answered by a redirect. */
  readonly page: (request: Request) => Response
  /** `POST <authorize path>` from the page's buttons: the redirect back to the client. */
  readonly decide: (request: Request) => Promise<Response>
  /**
   * The code checks of the token endpoint, for `grant_type=authorization_code` after the fake
   * authenticated the client. A code is used up by any attempt, right or wrong (§4.1.2: "MUST
   * NOT be used more than once").
   */
  readonly redeem: (params: Readonly<Record<string, string | undefined>>, clientId: string | undefined) => RedeemResult
  /** Codes issued, and how many exchanges succeeded. */
  readonly counts: { issued: number; redeemed: number }
}

interface Asked {
  readonly clientId: string
  readonly redirectUri: string
  readonly state: string | undefined
  readonly scopes: ReadonlyArray<string>
  readonly challenge: string | undefined
  readonly params: Readonly<Record<string, string>>
}

interface Code extends Asked {
  readonly expiresAt: number
}

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" })[c]!)

const html = (status: number, title: string, body: string) =>
  new Response(
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body>${body}</body></html>`,
    { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } }
  )

/** Requests kept between the page and its button; a page nobody answers must not pile up. */
const maxAsked = 1000

export const makeConsent = (options: ConsentOptions): Consent => {
  const now = options.now ?? Date.now
  const ttl = options.codeTtlMillis ?? 10 * 60_000
  const asked = new Map<string, Asked>()
  const codes = new Map<string, Code>()
  const counts = { issued: 0, redeemed: 0 }

  const back = (to: Asked, params: Record<string, string>) => {
    const url = new URL(to.redirectUri)
    for (const [name, value] of Object.entries({ ...params, ...(to.state === undefined ? {} : { state: to.state }) })) {
      url.searchParams.set(name, value)
    }
    return new Response(null, { status: 302, headers: { location: url.toString(), "cache-control": "no-store" } })
  }

  const page = (request: Request): Response => {
    const query = new URL(request.url).searchParams
    const clientId = query.get("client_id") ?? ""
    const client = Object.hasOwn(options.clients, clientId) ? options.clients[clientId] : undefined
    // Without a known client and a usable redirect URI there is nowhere safe to send an error (§4.1.2.1).
    if (client === undefined) return html(400, "Error", `<h1>Error: invalid_client</h1><p>The OAuth client was not found.</p>`)
    const redirectUri = query.get("redirect_uri") ?? ""
    if (!URL.canParse(redirectUri) || !/^https?:$/.test(new URL(redirectUri).protocol) || new URL(redirectUri).hash !== "") {
      return html(400, "Error", `<h1>Error: redirect_uri_mismatch</h1><p>The redirect URI is missing or not an absolute http(s) URL.</p>`)
    }
    const ask: Asked = {
      clientId,
      redirectUri,
      state: query.get("state") ?? undefined,
      scopes: (query.get("scope") ?? "").split(/[ ,]+/).filter((s) => s !== ""),
      challenge: query.get("code_challenge") ?? undefined,
      params: Object.fromEntries(query)
    }
    if (query.get("response_type") !== "code") return back(ask, { error: "unsupported_response_type" })
    const method = query.get("code_challenge_method")
    if (ask.challenge !== undefined && method !== "S256") return back(ask, { error: "invalid_request", error_description: "code_challenge_method must be S256" })
    if (asked.size >= maxAsked) asked.delete(asked.keys().next().value!)
    const id = randomBytes(16).toString("base64url")
    asked.set(id, ask)
    const scopes = ask.scopes.map((scope) => `<li>${escape(scope)}</li>`).join("")
    return html(
      200,
      `Sign in - ${options.provider}`,
      `<h1>${escape(client.appName)} wants to access your ${escape(options.provider)} account</h1>` +
        `<p>This will allow ${escape(client.appName)} to:</p><ul>${scopes}</ul>` +
        `<form method="post"><input type="hidden" name="request" value="${id}">` +
        `<button type="submit" name="decision" value="deny">Deny</button> ` +
        `<button type="submit" name="decision" value="allow">Allow</button></form>`
    )
  }

  const decide = async (request: Request): Promise<Response> => {
    const form = new URLSearchParams(await request.text())
    const id = form.get("request") ?? ""
    const ask = asked.get(id)
    if (ask === undefined) return html(400, "Error", "<h1>This sign-in request is no longer valid.</h1>")
    asked.delete(id)
    if (form.get("decision") !== "allow") return back(ask, { error: "access_denied" })
    const code = randomBytes(24).toString("base64url")
    // Codes never exchanged would pile up in a long-running demo: drop expired ones first.
    for (const [old, issued] of codes) if (issued.expiresAt <= now()) codes.delete(old)
    codes.set(code, { ...ask, expiresAt: now() + ttl })
    counts.issued++
    return back(ask, { code })
  }

  const redeem = (params: Readonly<Record<string, string | undefined>>, clientId: string | undefined): RedeemResult => {
    const refused = (description: string): RedeemResult => ({ _tag: "Refused", error: "invalid_grant", description })
    const code = codes.get(params["code"] ?? "")
    if (code === undefined) return refused("The authorization code is invalid or was already used.")
    codes.delete(params["code"]!)
    if (code.expiresAt <= now()) return refused("The authorization code has expired.")
    if (code.clientId !== clientId) return refused("The authorization code was issued to another client.")
    if (code.redirectUri !== params["redirect_uri"]) return refused("The redirect_uri does not match the one of the authorization request.")
    if (code.challenge !== undefined) {
      const verifier = params["code_verifier"]
      if (verifier === undefined) return { _tag: "Refused", error: "invalid_request", description: "code_verifier is required." }
      if (createHash("sha256").update(verifier, "ascii").digest("base64url") !== code.challenge) return refused("Invalid code verifier.")
    }
    counts.redeemed++
    return { _tag: "Redeemed", grant: { clientId: code.clientId, scopes: code.scopes, asked: code.params } }
  }

  return { page, decide, redeem, counts }
}

/** The client id a token request authenticates with: HTTP Basic (§2.3.1) or the body. */
export const clientCredentials = (request: Request, params: Readonly<Record<string, string | undefined>>) => {
  const basic = /^Basic (.+)$/i.exec(request.headers.get("authorization") ?? "")?.[1]
  if (basic !== undefined) {
    const decoded = Buffer.from(basic, "base64").toString("utf8")
    const colon = decoded.indexOf(":")
    return { clientId: decodeURIComponent(decoded.slice(0, colon)), clientSecret: decodeURIComponent(decoded.slice(colon + 1)) }
  }
  return { clientId: params["client_id"], clientSecret: params["client_secret"] }
}

/** What a browser does on a fake's consent page: load it, press Allow or Deny, and read where it is sent (not followed). */
export const pressConsent = (consentUrl: string, decision: "allow" | "deny") =>
  Effect.promise(async () => {
    const page = await fetch(consentUrl)
    const text = await page.text()
    const id = /name="request" value="([^"]+)"/.exec(text)?.[1]
    if (id === undefined) throw new Error(`no consent form at ${consentUrl} (HTTP ${page.status}): ${text.slice(0, 300)}`)
    const answer = await fetch(consentUrl, { method: "POST", body: new URLSearchParams({ request: id, decision }), redirect: "manual" })
    const location = answer.headers.get("location")
    if (location === null) throw new Error(`the consent page answered HTTP ${answer.status} without a redirect`)
    return { status: answer.status, location: new URL(location), page: text }
  })
