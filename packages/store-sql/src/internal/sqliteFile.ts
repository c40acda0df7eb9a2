/**
 * Checks an SQLite database file before it is opened. Opening a file SQLite cannot use fails
 * deep inside better-sqlite3 ("disk I/O error", "attempt to write a readonly database") — and
 * opening a read-only database in WAL mode leaves `-wal`/`-shm` files behind with the database's
 * read-only mode, which keep every later start failing after the database is made writable
 * again. So a read-only file is refused before SQLite touches it, and such leftovers are made
 * writable again (only their permission bits change; their content is SQLite's own).
 */
import * as Effect from "effect/Effect"
import * as Schema from "effect/Schema"
import { accessSync, chmodSync, constants, existsSync, mkdirSync, statSync } from "node:fs"
import { dirname } from "node:path"

export class DatabaseFileError extends Schema.TaggedError<DatabaseFileError>()("DatabaseFileError", {
  filename: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `cannot use the SQLite database file ${this.filename}: ${this.detail}`
  }
}

const can = (file: string, mode: number) => {
  try {
    accessSync(file, mode)
    return true
  } catch {
    return false
  }
}

/** The first line of what better-sqlite3 or the file system said. */
export const reason = (cause: unknown): string => {
  const inner = typeof cause === "object" && cause !== null && "cause" in cause && cause.cause instanceof Error ? cause.cause : cause
  return (inner instanceof Error ? inner.message : String(inner)).split("\n")[0]!
}

export const preflight = (filename: string): Effect.Effect<void, DatabaseFileError> =>
  Effect.try({
    try: () => {
      const fail = (detail: string) => new DatabaseFileError({ filename, detail })
      const dir = dirname(filename)
      try {
        mkdirSync(dir, { recursive: true })
      } catch (e) {
        throw fail(`cannot create its directory: ${reason(e)}`)
      }
      if (existsSync(filename)) {
        if (!statSync(filename).isFile()) throw fail("it is not a regular file")
        if (!can(filename, constants.R_OK)) throw fail("it is not readable by this user; fix its permissions")
        if (!can(filename, constants.W_OK)) {
          throw fail("it is read-only for this user; make it writable (chmod u+w) — autoimport writes to its database")
        }
      }
      if (!can(dir, constants.W_OK)) {
        throw fail(`its directory ${dir} is not writable; SQLite keeps its -wal and -shm files next to the database`)
      }
      for (const leftover of [`${filename}-wal`, `${filename}-shm`]) {
        if (!existsSync(leftover) || can(leftover, constants.W_OK)) continue
        try {
          chmodSync(leftover, statSync(leftover).mode | 0o600)
        } catch (e) {
          throw fail(`${leftover} is read-only (left by a start on a read-only database) and cannot be made writable (${reason(e)}); make it writable or remove it`)
        }
      }
    },
    catch: (e) => (e instanceof DatabaseFileError ? e : new DatabaseFileError({ filename, detail: reason(e) }))
  })
