import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Scope from "effect/Scope"
import { http } from "msw"
import { Faults, Prng, serveFake } from "../src/testing/index.js"

describe("Prng", () => {
  it("is deterministic per seed and per derived index", () => {
    const draw = (prng: Prng.Prng) => Array.from({ length: 5 }, () => prng.int(1_000_000))
    assert.deepStrictEqual(draw(Prng.make(42)), draw(Prng.make(42)))
    assert.notDeepEqual(draw(Prng.make(42)), draw(Prng.make(43)))
    assert.deepStrictEqual(draw(Prng.derive(42, 7)), draw(Prng.derive(42, 7)))
    assert.notDeepEqual(draw(Prng.derive(42, 7)), draw(Prng.derive(42, 8)))
    const values = Array.from({ length: 1000 }, Prng.make(1).next)
    assert.isTrue(values.every((v) => v >= 0 && v < 1))
    assert.throws(() => Prng.make(1).pick([]), /no items/)
  })
})

describe("serveFake and Faults", () => {
  it.live("serves handlers on a loopback port until the scope closes; faults answer first", () =>
    Effect.gen(function*() {
      const faults = new Faults({ errorBody: (code, message) => ({ code, message }) })
      const scope = yield* Scope.make()
      const { url } = yield* serveFake([
        http.get("/ping", async () => (await faults.intercept()) ?? faults.json({ items: [1, 2], ok: true }))
      ]).pipe(Scope.extend(scope))
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/)
      const get = Effect.promise(async () => {
        const response = await fetch(`${url}/ping`)
        return { status: response.status, retryAfter: response.headers.get("retry-after"), text: await response.text() }
      })
      faults.rateLimitNext(1, 30).failNext(1, 502).malformNext(1, "wrong-shape")
      assert.deepStrictEqual(yield* get, { status: 429, retryAfter: "30", text: JSON.stringify({ code: 429, message: "Quota exceeded: too many requests." }) })
      assert.strictEqual((yield* get).status, 502)
      assert.deepStrictEqual(JSON.parse((yield* get).text), { items: "unexpected", ok: true })
      assert.deepStrictEqual(JSON.parse((yield* get).text), { items: [1, 2], ok: true })
      assert.deepStrictEqual([faults.requests, faults.faulted], [4, 3])
      faults.failNext(5).clear()
      assert.strictEqual((yield* get).status, 200, "clear disarms pending faults")
      yield* Scope.close(scope, Exit.void)
      const closed = yield* Effect.tryPromise(() => fetch(`${url}/ping`)).pipe(Effect.flip)
      assert.instanceOf(closed.error, Error)
    }))
})
