/**
 * What every HTTP request passes before a route sees it (README "HTTP limits"):
 *
 * - **Host.** Without an admin token the API is open to whoever can reach it, which on loopback
 *   is meant to be this machine only. A web page elsewhere can still get there through DNS
 *   rebinding (its own name resolving to 127.0.0.1), and then its requests carry its own name in
 *   `Host`. So without a token only loopback names are served. With a token any `Host` is
 *   served: the token is what guards the API then (a browser cannot add it cross-site).
 * - **Origin.** A state-changing request whose `Origin` is not this server's is refused, token or
 *   not: a browser sends `Origin` on such requests, and only the setup page itself may send them.
 * - **Body size.** A declared `Content-Length` over the limit is refused before anything is read;
 *   a body without a length is read by the routes through `internal/body.ts`, which stops at the
 *   limit. Both answer 413 and close the connection; so does any request whose body the route
 *   did not read to its end.
 */
import type * as HttpApp from "@effect/platform/HttpApp"
import * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as HttpServerResponse from "@effect/platform/HttpServerResponse"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import type { RunnerConfig } from "./Config.js"
import * as Body from "./internal/body.js"
import * as Limits from "./Limits.js"

export interface Policy {
  /** The host names served (lower case, IPv6 in brackets); none: any name (a token guards the API). */
  readonly hosts: Option.Option<ReadonlySet<string>>
  readonly maxBodyBytes: number
}

const loopbackNames = ["localhost", "127.0.0.1", "[::1]"]

/** The policy for a configuration: the Host restriction applies exactly when there is no token. */
export const policy = (config: RunnerConfig): Policy => ({
  hosts: Option.isSome(config.http.adminToken)
    ? Option.none()
    : Option.some(new Set([...loopbackNames, bracketed(config.http.host.toLowerCase())])),
  maxBodyBytes: Limits.maxBodyBytes
})

// `http.host` may be written `::1`; a Host header always brackets an IPv6 address.
const bracketed = (host: string) => (host.includes(":") && !host.startsWith("[") ? `[${host}]` : host)

/** The name in a `Host` header (`[::1]:8080` → `[::1]`), or undefined when it is not one. */
export const hostName = (header: string | undefined): string | undefined => {
  const match = header === undefined ? null : /^(\[[0-9a-f:.]+\]|[^:[\]\s/@]+)(?::\d{1,5})?$/i.exec(header)
  return match === null ? undefined : match[1]!.toLowerCase()
}

/** Whether `origin` is the origin of a page served under `host` (http, or https behind a proxy). */
export const isOwnOrigin = (origin: string, host: string | undefined): boolean => {
  if (host === undefined) return false
  try {
    const from = new URL(origin)
    if (from.protocol !== "http:" && from.protocol !== "https:") return false
    return from.origin === new URL(`${from.protocol}//${host}`).origin
  } catch {
    // `Origin: null` (sandboxed frames, file: pages) and anything unparsable is not ours.
    return false
  }
}

/** Whether the request says it carries a body (a length, or chunked encoding). */
export const hasBody = (request: HttpServerRequest.HttpServerRequest): boolean =>
  Number(request.headers["content-length"] ?? 0) > 0 || request.headers["transfer-encoding"] !== undefined

const stateChanging = new Set(["POST", "PUT", "PATCH", "DELETE"])

const refuse = (status: number, message: string) => HttpServerResponse.unsafeJson({ error: message }, { status })

/** 413, and the connection closes after it: the rest of the body is never read. */
const tooLarge = (request: HttpServerRequest.HttpServerRequest, limit: number) =>
  Effect.as(
    Body.closeAfterResponse(request),
    refuse(413, `the request body is larger than ${limit} bytes, the most this server accepts`)
  )

/** The refusal for a request's Host and Origin, if any. */
export const check = (policy: Policy, request: HttpServerRequest.HttpServerRequest): Option.Option<HttpServerResponse.HttpServerResponse> => {
  const host = request.headers["host"]
  if (Option.isSome(policy.hosts)) {
    const name = hostName(host)
    if (name === undefined || !policy.hosts.value.has(name)) {
      return Option.some(refuse(
        403,
        `Host ${JSON.stringify(host ?? "")} is not served: without an admin token only localhost, 127.0.0.1 and [::1] are (set AUTOIMPORT_ADMIN_TOKEN to serve other names)`
      ))
    }
  }
  const origin = request.headers["origin"]
  if (stateChanging.has(request.method) && origin !== undefined && !isOwnOrigin(origin, host)) {
    return Option.some(refuse(403, `a ${request.method} from the origin ${JSON.stringify(origin)} is refused: only this server's own pages may change anything`))
  }
  return Option.none()
}

/** `app` behind the policy. */
export const guard = (policy: Policy) => <E, R>(app: HttpApp.Default<E, R>): HttpApp.Default<E, R | HttpServerRequest.HttpServerRequest> =>
  Effect.gen(function*() {
    const request = yield* HttpServerRequest.HttpServerRequest
    const refusal = check(policy, request)
    if (Option.isSome(refusal)) return refusal.value
    // Node has already refused a malformed Content-Length, and one together with chunked encoding.
    const declared = Number(request.headers["content-length"] ?? 0)
    if (declared > policy.maxBodyBytes) return yield* tooLarge(request, policy.maxBodyBytes)
    if (!hasBody(request)) return yield* app

    const state: Body.BodyState = { tooLarge: false, consumed: false }
    const exit = yield* Effect.exit(
      Effect.provideService(app, HttpServerRequest.HttpServerRequest, Body.bounded(request, policy.maxBodyBytes, state))
    )
    // Whatever the route made of the failed read (400, 500), the answer is 413.
    if (state.tooLarge) return yield* tooLarge(request, policy.maxBodyBytes)
    const response = yield* exit
    // A body the route did not read would be drained by Node to reuse the connection, however
    // long it is; closing the connection instead bounds it.
    if (!state.consumed) yield* Body.closeAfterResponse(request)
    return response
  })
