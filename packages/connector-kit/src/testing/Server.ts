/**
 * Serves MSW handlers on a real loopback port, so a connector under test talks to its fake
 * through the production transport (undici). `msw/node`'s `setupServer` does not see undici's
 * requests, hence a real server.
 */
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as RateLimiter from "@autoimport/core/RateLimiter"
import { createServer } from "@mswjs/http-middleware"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import type * as Scope from "effect/Scope"
import type { RequestHandler } from "msw"
import type { Server } from "node:http"
import type { AddressInfo } from "node:net"

export interface FakeServer {
  /** `http://127.0.0.1:<port>`: use it as the connector's base URL / token URL setting. */
  readonly url: string
}

/**
 * Serves `handlers` on 127.0.0.1 on a free port until the scope closes. Handlers should match
 * relative paths (`http.get("/v1/things", ...)`): they resolve against the server's origin.
 */
export const serveFake = (handlers: ReadonlyArray<RequestHandler>): Effect.Effect<FakeServer, never, Scope.Scope> =>
  Effect.acquireRelease(
    Effect.async<Server>((resume) => {
      // The cast: http-middleware's CommonJS typings see a second copy of msw's types; at run
      // time there is one copy.
      const server = createServer(...(handlers as Array<any>)).listen(0, "127.0.0.1", () => resume(Effect.succeed(server)))
    }),
    (server) =>
      Effect.async<void>((resume) => {
        // Keep-alive sockets of the client would otherwise hold `close` open.
        server.closeAllConnections()
        server.close(() => resume(Effect.void))
      })
  ).pipe(Effect.map((server) => ({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })))

/** What `pull` needs in tests: the production HTTP transport (undici) and a fresh rate limiter. */
export const layerPull: Layer.Layer<import("@effect/platform/HttpClient").HttpClient | RateLimiter.RateLimiter> = Layer.merge(
  NodeHttpClient.layerUndici,
  RateLimiter.layer
)
