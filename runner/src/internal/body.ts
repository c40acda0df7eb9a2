/**
 * Request bodies read with a limit, for the guard in `HttpGuard.ts`.
 *
 * The platform's own limit (`HttpIncomingMessage.withMaxBodySize`) stops reading by destroying
 * the request stream, which on Node destroys the socket: the client would see a reset, never
 * the 413 the admin API promises. So the guard hands the routes a request whose body getters
 * read the Node stream here instead: at most `limit` bytes are kept, and past that the stream
 * is paused (nothing more is read) and the request is marked so the guard answers 413 and
 * closes the connection.
 */
import * as HttpServerError from "@effect/platform/HttpServerError"
import type * as HttpServerRequest from "@effect/platform/HttpServerRequest"
import * as Multipart from "@effect/platform/Multipart"
import * as NodeHttpServerRequest from "@effect/platform-node/NodeHttpServerRequest"
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import * as Stream from "effect/Stream"
import type { IncomingMessage } from "node:http"

/** What the guard needs to know after the route answered. */
export interface BodyState {
  /** The body went past the limit (the route saw a RequestError). */
  tooLarge: boolean
  /** The whole body was read; otherwise the connection is not reused (Node would drain it). */
  consumed: boolean
}

/** The cause inside the route's RequestError; the guard answers 413 (it reads `BodyState`). */
export class BodyTooLarge extends Schema.TaggedError<BodyTooLarge>()("BodyTooLarge", { limit: Schema.Number }) {
  override get message() {
    return `the request body is larger than ${this.limit} bytes`
  }
}

/** The client went away, or the connection failed, before the body ended. */
export class BodyAborted extends Schema.TaggedError<BodyAborted>()("BodyAborted", { detail: Schema.String }) {
  override get message() {
    return `the request body did not arrive: ${this.detail}`
  }
}

/** Reads the whole body, or fails once more than `limit` bytes arrived, leaving the rest unread. */
const readAtMost = (source: IncomingMessage, limit: number, state: BodyState) =>
  Effect.async<Uint8Array, BodyTooLarge | BodyAborted>((resume) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const detach = () => {
      source.off("data", onData)
      source.off("end", onEnd)
      source.off("error", onError)
      source.off("close", onClose)
    }
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) {
        detach()
        source.pause()
        state.tooLarge = true
        resume(Effect.fail(new BodyTooLarge({ limit })))
      } else {
        chunks.push(chunk)
      }
    }
    const onEnd = () => {
      detach()
      state.consumed = true
      resume(Effect.succeed(Buffer.concat(chunks, size)))
    }
    const onError = (error: Error) => {
      detach()
      resume(Effect.fail(new BodyAborted({ detail: error.message })))
    }
    const onClose = () => onError(new Error("the client closed the connection"))
    source.on("data", onData)
    source.once("end", onEnd)
    source.once("error", onError)
    source.once("close", onClose)
    return Effect.sync(detach)
  })

/**
 * The request with its body read through {@link readAtMost} (once, on first use). Everything
 * else — url, headers, the Node response the platform writes to — comes from `request` itself,
 * and `modify` (the router's prefix slicing) keeps the bounded body.
 */
export const bounded = (
  request: HttpServerRequest.HttpServerRequest,
  limit: number,
  state: BodyState
): HttpServerRequest.HttpServerRequest => {
  const bytes = Effect.runSync(Effect.cached(
    Effect.mapError(
      readAtMost(NodeHttpServerRequest.toIncomingMessage(request), limit, state),
      (cause) => new HttpServerError.RequestError({ request, reason: "Decode", cause, description: cause.message })
    )
  ))
  return wrap(request, bytes)
}

const wrap = (
  request: HttpServerRequest.HttpServerRequest,
  bytes: Effect.Effect<Uint8Array, HttpServerError.RequestError>
): HttpServerRequest.HttpServerRequest => {
  const text = Effect.map(bytes, (b) => new TextDecoder().decode(b))
  const noMultipart = new Multipart.MultipartError({ reason: "Parse", cause: "the admin API takes no multipart bodies" })
  // A prototype link, not a copy: the platform's own getters (json, urlParamsBody) run with this
  // object as `this`, so they read the bounded `text` below.
  return Object.create(request, {
    text: { get: () => text },
    // A copy: a small Buffer is a view into Node's shared pool, whose `.buffer` holds other data.
    arrayBuffer: { get: () => Effect.map(bytes, (b) => new Uint8Array(b).buffer) },
    stream: { get: () => Stream.fromEffect(bytes) },
    multipart: { get: () => Effect.fail(noMultipart) },
    multipartStream: { get: () => Stream.fail(noMultipart) },
    modify: { value: (options: Parameters<HttpServerRequest.HttpServerRequest["modify"]>[0]) => wrap(request.modify(options), bytes) }
  }) as HttpServerRequest.HttpServerRequest
}

/** How long what a client still sends is dropped before the connection is cut. */
const lingerMillis = 2_000

/**
 * Closes the connection once the answer is written, without reading the rest of a body.
 *
 * Closing a socket while the client is still sending makes the kernel reset it, and a client
 * whose write fails on the reset may lose the answer it had not read yet. So, as web servers
 * do, the connection is half-closed first (the client sees the answer and its end) and what
 * still arrives is dropped — never kept — for at most {@link lingerMillis} before the socket is
 * destroyed. (A bound in bytes as well would bring the reset back for fast clients, which
 * reach any such bound before they have read the answer.) `Connection: close` is not used for
 * this: Node then destroys the socket right after the answer, which is the reset this avoids.
 */
export const closeAfterResponse = (request: HttpServerRequest.HttpServerRequest): Effect.Effect<void> =>
  Effect.sync(() => {
    const source = NodeHttpServerRequest.toIncomingMessage(request)
    const response = NodeHttpServerRequest.toServerResponse(request)
    const socket = source.socket
    response.once("finish", () => {
      const timer = setTimeout(() => socket.destroy(), lingerMillis)
      timer.unref()
      socket.once("close", () => clearTimeout(timer))
      // Flowing without a listener: Node drops what arrives.
      source.removeAllListeners("data")
      source.resume()
      socket.end()
    })
  })
