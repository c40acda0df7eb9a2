/**
 * A TCP proxy in front of a served fake that can reset connections: the one transport fault
 * the fakes' own switchboard cannot make (an HTTP handler always answers). Armed with
 * {@link ResetProxy.resetNext}, the next requests are answered with a TCP RST as they arrive.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import * as net from "node:net"

export interface ResetProxy {
  /** `http://127.0.0.1:<port>`: use it instead of the fake's URL. */
  readonly url: string
  readonly resetNext: (count: number) => void
  /** Connections reset so far. */
  readonly resets: () => number
  readonly clear: () => void
}

const requestLine = /^(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) /

export const make = (target: string): Effect.Effect<ResetProxy, never, Scope.Scope> =>
  Effect.gen(function*() {
    const upstream = new URL(target)
    let pending = 0
    let resets = 0
    const sockets = new Set<net.Socket>()
    const server = net.createServer((client) => {
      const server = net.connect(Number(upstream.port), upstream.hostname)
      sockets.add(client).add(server)
      const forget = () => {
        sockets.delete(client)
        sockets.delete(server)
      }
      client.on("data", (chunk: Buffer) => {
        // Keep-alive connections carry many requests: a reset hits the next request line.
        if (pending > 0 && requestLine.test(chunk.toString("latin1", 0, 8))) {
          pending--
          resets++
          server.destroy()
          client.resetAndDestroy()
          return
        }
        server.write(chunk)
      })
      server.on("data", (chunk: Buffer) => client.write(chunk))
      client.on("close", () => (server.destroy(), forget()))
      server.on("close", () => (client.destroy(), forget()))
      client.on("error", () => server.destroy())
      server.on("error", () => client.destroy())
    })
    yield* Effect.acquireRelease(
      Effect.async<void>((resume) => void server.listen(0, "127.0.0.1", () => resume(Effect.void))),
      () =>
        Effect.async<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    const { port } = server.address() as net.AddressInfo
    return {
      url: `http://127.0.0.1:${port}`,
      resetNext: (count) => void (pending += count),
      resets: () => resets,
      clear: () => void (pending = 0)
    }
  })
