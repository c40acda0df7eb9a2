/**
 * Import configs hold credentials, so the store keeps them encrypted at rest (docs/design.md §9):
 * AES-256-GCM under a 32-byte key from the runner's configuration. The whole encoded config
 * JSON is encrypted; the import's id is the additional authenticated data, so a ciphertext
 * copied onto another import row does not decrypt either.
 */
import { InvalidConfig } from "@autoimport/core/Errors"
import * as Config from "effect/Config"
import * as ConfigError from "effect/ConfigError"
import * as Context from "effect/Context"
import * as Either from "effect/Either"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto"

export const keyLength = 32

/** Stored form: `v1:` + base64(iv ‖ auth tag ‖ ciphertext). The prefix leaves room for key rotation. */
const version = "v1:"
const ivLength = 12
const tagLength = 16

export interface CredentialsShape {
  readonly encrypt: (plaintext: string, context: string) => string
  /** undefined when the key does not authenticate the ciphertext (wrong key or tampered data). */
  readonly decrypt: (stored: string, context: string) => string | undefined
}

/** The error the store dies with when the key does not decrypt a stored config (declared in core). */
export { CredentialsKeyMismatch } from "@autoimport/core/Errors"

export class Credentials extends Context.Tag("@autoimport/store-sql/Credentials")<Credentials, CredentialsShape>() {}

/** A fresh random key, e.g. for the embedded default's key file or for tests. */
export const generateKey = (): Redacted.Redacted<Uint8Array> => Redacted.make(new Uint8Array(randomBytes(keyLength)))

export const make = (key: Redacted.Redacted<Uint8Array>): Effect.Effect<CredentialsShape, InvalidConfig> =>
  Effect.suspend(() => {
    const bytes = Redacted.value(key)
    if (bytes.length !== keyLength) {
      return Effect.fail(
        new InvalidConfig({
          where: "credentials key",
          detail: `it must be ${keyLength} bytes (AES-256), got ${bytes.length}`
        })
      )
    }
    const secret = Buffer.from(bytes)
    return Effect.succeed<CredentialsShape>({
      encrypt: (plaintext, context) => {
        const iv = randomBytes(ivLength)
        const cipher = createCipheriv("aes-256-gcm", secret, iv)
        cipher.setAAD(Buffer.from(context, "utf8"))
        const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()])
        return version + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")
      },
      decrypt: (stored, context) => {
        if (!stored.startsWith(version)) return undefined
        const raw = Buffer.from(stored.slice(version.length), "base64")
        if (raw.length < ivLength + tagLength) return undefined
        const decipher = createDecipheriv("aes-256-gcm", secret, raw.subarray(0, ivLength))
        decipher.setAAD(Buffer.from(context, "utf8"))
        decipher.setAuthTag(raw.subarray(ivLength, ivLength + tagLength))
        try {
          return Buffer.concat([decipher.update(raw.subarray(ivLength + tagLength)), decipher.final()]).toString("utf8")
        } catch {
          return undefined
        }
      }
    })
  })

/** The key as text (base64), e.g. for the embedded default's key file. */
export const encodeKey = (key: Redacted.Redacted<Uint8Array>): string => Buffer.from(Redacted.value(key)).toString("base64")

/** A key given as base64 text (`openssl rand -base64 32`) under `name`, e.g. `AUTOIMPORT_SECRET_KEY`. */
export const config = (name: string): Config.Config<Redacted.Redacted<Uint8Array>> =>
  Config.mapOrFail(Config.redacted(name), (text) => {
    const bytes = Buffer.from(Redacted.value(text).trim(), "base64")
    return bytes.length === keyLength
      ? Either.right(Redacted.make(new Uint8Array(bytes)))
      : Either.left(
        ConfigError.InvalidData(
          [name],
          `the credentials key must be ${keyLength} bytes written in base64 (e.g. \`openssl rand -base64 32\`), got ${bytes.length} bytes`
        )
      )
  })

export const layer = (key: Redacted.Redacted<Uint8Array>): Layer.Layer<Credentials, InvalidConfig> => Layer.effect(Credentials, make(key))
