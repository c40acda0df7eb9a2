/**
 * A TCP proxy on a loopback port that can black-hole its traffic: while stalled it keeps every
 * connection open and accepts new ones, but forwards nothing in either direction — what a
 * database behind a dead network path looks like to its client. `resume` delivers what was held.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import { createConnection, createServer, type Socket } from "node:net"

export interface StallProxy {
  readonly port: number
  readonly stall: Effect.Effect<void>
  readonly resume: Effect.Effect<void>
}

export const stallProxy = (target: { readonly host: string; readonly port: number }): Effect.Effect<StallProxy, never, Scope.Scope> =>
  Effect.gen(function*() {
    let stalled = false
    const held: Array<() => void> = []
    const sockets = new Set<Socket>()
    const forward = (from: Socket, to: Socket) =>
      from.on("data", (chunk) => {
        if (stalled) held.push(() => to.write(chunk))
        else to.write(chunk)
      })
    const server = createServer((client) => {
      const upstream = createConnection(target)
      for (const socket of [client, upstream]) {
        sockets.add(socket)
        socket.on("error", () => {})
        socket.on("close", () => {
          sockets.delete(socket)
          client.destroy()
          upstream.destroy()
        })
      }
      forward(client, upstream)
      forward(upstream, client)
    })
    const port = yield* Effect.acquireRelease(
      Effect.async<number>((resume) => {
        server.listen(0, "127.0.0.1", () => resume(Effect.succeed((server.address() as { port: number }).port)))
      }),
      () =>
        Effect.async<void>((resume) => {
          for (const socket of sockets) socket.destroy()
          server.close(() => resume(Effect.void))
        })
    )
    return {
      port,
      stall: Effect.sync(() => void (stalled = true)),
      resume: Effect.sync(() => {
        stalled = false
        for (const deliver of held.splice(0)) deliver()
      })
    }
  })
