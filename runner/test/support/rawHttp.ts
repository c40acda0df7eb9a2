/**
 * HTTP requests the way an attacker sends them: any Host and Origin (`fetch` fixes Host), and
 * bodies larger than the server accepts, written on a plain socket so the test sees exactly
 * what the server answers and when it stops reading.
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { request as httpRequest } from "node:http"
import { connect } from "node:net"

export interface Reply {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  readonly body: any
}

/** One request with exactly these headers (Host included); the body parsed as JSON when it is. */
export const send = (
  base: string,
  options: { readonly method?: string; readonly path: string; readonly headers?: Record<string, string>; readonly body?: string }
): Effect.Effect<Reply, Error> =>
  Effect.async<Reply, Error>((resume) => {
    const url = new URL(options.path, base)
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? "GET", headers: { host: url.host, ...options.headers }, setHost: false },
      (res) => {
        let text = ""
        res.setEncoding("utf8")
        res.on("data", (chunk) => (text += chunk))
        res.on("end", () => {
          let body: unknown = text
          try {
            body = JSON.parse(text)
          } catch {
            // not JSON: keep the text
          }
          resume(Effect.succeed({ status: res.statusCode ?? 0, headers: res.headers, body }))
        })
      }
    )
    req.on("error", (e) => resume(Effect.fail(e)))
    req.end(options.body)
    return Effect.sync(() => req.destroy())
  })

export interface Flood {
  /** The server's answer: its status line and what followed it. */
  readonly response: string
  /** Body bytes the socket accepted before the answer came (kernel buffers included). */
  readonly written: number
}

/**
 * A request (POST unless `method` says otherwise) whose body is far larger than the server accepts: declared with a Content-Length of
 * `declared` bytes, or chunked when it is undefined. Writes zeros as fast as the server takes
 * them, never more than `budget` bytes, and returns whatever the server answers. A server that
 * reads on and never answers fails this after `timeout`.
 */
export const flood = (
  base: string,
  options: {
    readonly method?: string
    readonly path: string
    readonly declared?: number
    readonly budget: number
    readonly timeout: Duration.DurationInput
  }
): Effect.Effect<Flood, Error> =>
  Effect.async<Flood, Error>((resume) => {
    const url = new URL(options.path, base)
    const socket = connect(Number(url.port), url.hostname)
    let response = ""
    let written = 0
    let done = false
    const finish = (result: Effect.Effect<Flood, Error>) => {
      if (done) return
      done = true
      clearTimeout(timer)
      socket.destroy()
      resume(result)
    }
    const timer = setTimeout(
      () => finish(Effect.fail(new Error(`no answer within ${Duration.format(options.timeout)} after ${written} bytes`))),
      Duration.toMillis(options.timeout)
    )
    const chunked = options.declared === undefined
    const chunk = Buffer.alloc(64 * 1024)
    const pump = () => {
      try {
        while (!done && socket.writable && written < options.budget) {
          written += chunk.length
          const frame = chunked ? Buffer.concat([Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from("\r\n")]) : chunk
          if (!socket.write(frame)) return
        }
      } catch {
        // The server closed the connection: its answer (if any) arrives on "data".
      }
    }
    socket.on("connect", () => {
      socket.write(
        `${options.method ?? "POST"} ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n` +
          (chunked ? "Transfer-Encoding: chunked\r\n" : `Content-Length: ${options.declared}\r\n`) + "\r\n"
      )
      pump()
    })
    socket.on("drain", pump)
    socket.on("data", (data) => {
      response += data.toString("latin1")
      // The whole answer is in once its JSON body has closed.
      if (/\r\n\r\n[\s\S]*\}$/.test(response)) finish(Effect.succeed({ response, written }))
    })
    // The server may close (or reset) once it has answered: what it sent is the result.
    const closed = (error?: Error) =>
      finish(
        response !== ""
          ? Effect.succeed({ response, written })
          : Effect.fail(new Error(`closed without an answer after ${written} bytes${error ? ` (${error.message})` : ""}`))
      )
    socket.on("error", closed)
    socket.on("close", () => closed())
    return Effect.sync(() => finish(Effect.fail(new Error("interrupted"))))
  })
