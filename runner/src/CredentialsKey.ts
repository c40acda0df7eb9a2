/**
 * The key that encrypts import credentials at rest (DESIGN §9): `AUTOIMPORT_CREDENTIALS_KEY` or
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

export const resolve = (
  config: Pick<RunnerConfig, "credentialsKey" | "dataDir">
): Effect.Effect<Redacted.Redacted<Uint8Array>, CredentialsKeyError, FileSystem.FileSystem | Path.Path> =>
  Option.match(config.credentialsKey, {
    onSome: Effect.succeed,
    onNone: () =>
      Effect.gen(function*() {
        const fs = yield* FileSystem.FileSystem
        const file = keyFile(config, yield* Path.Path)
        const fail = (detail: string) => new CredentialsKeyError({ file, detail })
        if (!(yield* fs.exists(file).pipe(Effect.mapError((e) => fail(e.message))))) {
          yield* fs.makeDirectory(config.dataDir, { recursive: true, mode: 0o700 }).pipe(Effect.mapError((e) => fail(e.message)))
          // "wx": never overwrite a key another process created meanwhile (it may already encrypt data).
          const created = yield* fs.writeFileString(file, randomBytes(32).toString("base64") + "\n", { flag: "wx", mode: 0o600 }).pipe(
            Effect.as(true),
            Effect.catchIf((e) => e._tag === "SystemError" && e.reason === "AlreadyExists", () => Effect.succeed(false)),
            Effect.mapError((e) => fail(e.message))
          )
          if (created) yield* Effect.logInfo(`created a new credentials key in ${file}; back it up with the database`)
        }
        const text = yield* fs.readFileString(file).pipe(Effect.mapError((e) => fail(e.message)))
        return yield* Either.match(Schema.decodeUnknownEither(CredentialsKey)(text), {
          onLeft: () => Effect.fail(fail("does not hold base64 of 32 bytes; restore it from a backup")),
          onRight: Effect.succeed
        })
      })
  })
