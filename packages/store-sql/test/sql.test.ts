/** The shared row decoding and the one boundary where infrastructure failures become defects (src/internal/sql.ts). */
import { assert, describe, it } from "@effect/vitest"
import { SqlError } from "@effect/sql/SqlError"
import { ImportId } from "@autoimport/core/Domain"
import { ImportNotFound } from "@autoimport/core/Errors"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schema from "effect/Schema"
import * as Sql from "../src/internal/sql.js"

const decode = <A, I>(schema: Schema.Schema<A, I>) => Schema.decodeUnknownSync(schema)

describe("row schemas", () => {
  it("read integers as SQLite (numbers) and Postgres (64-bit integers as text) return them", () => {
    assert.deepStrictEqual([decode(Sql.Int)(42), decode(Sql.Int)("42")], [42, 42])
    assert.deepStrictEqual([decode(Sql.Id(ImportId))(7), decode(Sql.Id(ImportId))("7")], [ImportId.make("7"), ImportId.make("7")])
    assert.strictEqual(decode(Sql.Millis)("1500").getTime(), 1_500)
    assert.throws(() => decode(Sql.Int)("seven"))
    assert.throws(() => decode(Sql.Id(ImportId))(null))
  })
})

describe("orDie", () => {
  it.effect("turns a failing statement and an undecodable row into defects and keeps the contract's typed errors", () =>
    Effect.gen(function*() {
      const sqlError = new SqlError({ cause: new Error("connection reset"), message: "boom" })
      const statement = yield* Effect.exit(Sql.orDie(Effect.fail(sqlError)))
      assert.isTrue(Exit.isFailure(statement) && Cause.isDie(statement.cause))

      const row = yield* Effect.exit(Sql.orDie(Effect.succeed([{ n: "x" }]).pipe(Sql.rows(Schema.Struct({ n: Sql.Int })))))
      assert.isTrue(Exit.isFailure(row) && Cause.isDie(row.cause))

      const notFound = new ImportNotFound({ importId: "9" })
      const typed = yield* Effect.exit(Sql.orDie(Effect.fail(notFound)))
      assert.deepStrictEqual(typed, Exit.fail(notFound))
    }))
})
