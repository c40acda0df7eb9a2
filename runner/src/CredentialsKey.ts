/**
 * The key that encrypts import credentials at rest (docs/design.md §9): `AUTOIMPORT_CREDENTIALS_KEY` or
 * the config's `credentialsKey`; otherwise the embedded default keeps one in
 * `<dataDir>/credentials.key`, created with mode 0600 on first start.
 */
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Option from "effect/Option"
import * as Redacted from "effect/Redacted"
import * as Schema from "effect/Schema"
import { randomBytes } from "node:crypto"
import type { RunnerConfig } from "./Config.js"
import { CredentialsKey } from "./internal/schemas.js"

export class CredentialsKeyError extends Schema.TaggedError<CredentialsKeyError>()("CredentialsKeyError", {
  file: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `credentials key file ${this.file}: ${this.detail}`
  }
}

export const fileName = "credentials.key"

export const keyFile = (config: Pick<RunnerConfig, "dataDir">, path: Path.Path) => path.join(config.dataDir, fileName)

/**
 * The key to open the store with. A key file that does not exist yet is not written here: the
 * store must first show that it holds no encrypted imports (see Setup.ts), because a new key
 * beside imports encrypted with a lost one would make every later command fail. `save` writes it.
 */
export interface Resolved {
  readonly key: Redacted.Redacted<Uint8Array>
  /** Present when the key was just generated: writes the key file (mode 0600). */
  readonly save: Option.Option<Effect.Effect<void, CredentialsKeyError>>
  /** The key file this key comes from or goes to (none when configured directly). */
  readonly file: Option.Option<string>
}

export const resolve = (
  config: Pick<RunnerConfig, "credentialsKey" | "dataDir">
): Effect.Effect<Resolved, CredentialsKeyError, FileSystem.FileSystem | Path.Path> =>
  Option.match(config.credentialsKey, {
    onSome: (key) => Effect.succeed({ key, save: Option.none(), file: Option.none() }),
    onNone: () =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const file = keyFile(config, yield* Path.Path)
        const fail = (detail: string) => new CredentialsKeyError({ file, detail })
        const read = Effect.flatMap(fs.readFileString(file).pipe(Effect.mapError((e) => fail(e.message))), (text) =>
          Either.match(Schema.decodeUnknownEither(CredentialsKey)(text), {
            onLeft: () => Effect.fail(fail("does not hold base64 of 32 bytes; restore it from a backup")),
            onRight: Effect.succeed
          }))
        if (yield* fs.exists(file).pipe(Effect.mapError((e) => fail(e.message)))) {
          return { key: yield* read, save: Option.none(), file: Option.some(file) }
        }
        const text = randomBytes(32).toString("base64")
        const key = yield* Effect.orDie(Schema.decodeUnknown(CredentialsKey)(text))
        const save = Effect.gen(function*() {
          yield* fs.makeDirectory(config.dataDir, { recursive: true, mode: 0o700 }).pipe(Effect.mapError((e) => fail(e.message)))
          // "wx": never overwrite a key another process created meanwhile (it may already encrypt data).
          const created = yield* fs.writeFileString(file, text + "\n", { flag: "wx", mode: 0o600 }).pipe(
            Effect.as(true),
            Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "AlreadyExists", () => Effect.succeed(false)),
            Effect.mapError((e) => fail(e.message))
          )
          if (created) {
            yield* Effect.logInfo(`created a new credentials key in ${file}; back it up with the database`)
          } else if (Buffer.from(Redacted.value(yield* read)).toString("base64") !== text) {
            return yield* fail("another process created it while this one started; start again to use that key")
          }
        })
        return { key, save: Option.some(save), file: Option.some(file) }
      })
  })
