/**
 * The acceptance suite every connector package runs in its own tests (see
 * docs/writing-a-connector.md): the cursor rules of DESIGN §3 and the error taxonomy of §4,
 * checked end to end — the connector's fake on a real loopback port, the production HTTP
 * transport, the real sync engine and a real store.
 *
 * A connector provides its fake through {@link AcceptanceFake}.
 */
import type { RequestHandler } from "msw"
import type { Faults } from "./Faults.js"

export interface AcceptanceRecord {
  readonly externalId: string
  /** The email as the service holds it (not normalized), or null when it has none. */
  readonly email: string | null
}

/** A fresh, seeded instance of a connector's fake, seen through what the suite needs. */
export interface AcceptanceFake {
  readonly handlers: ReadonlyArray<RequestHandler>
  readonly faults: Faults
  /** The connector's (encoded) operator settings, pointing every URL at the served fake. */
  readonly settings: (url: string) => unknown
  /** An (encoded) import config with valid credentials and criteria matching {@link records}. */
  readonly config: () => unknown
  /** Every record the service holds now that matches the criteria of {@link config}. */
  readonly records: () => ReadonlyArray<AcceptanceRecord>
  /**
   * Adds `count` records with valid, distinct emails. With `sameTimestamp`, all of them share one
   * modification timestamp (where the service has them): the boundary case of `(updatedAt, id)`
   * positions.
   */
  readonly add: (count: number, options?: { readonly sameTimestamp?: boolean }) => ReadonlyArray<string>
  /** Changes a value (not the email) of `count` existing records and bumps their modification time. */
  readonly edit: (count: number) => ReadonlyArray<string>
  /** Deletes `count` records from the service. */
  readonly remove: (count: number) => ReadonlyArray<string>
  /** How deleted records show up: as tombstones (`SourceDeletion`) or not at all. */
  readonly deletions: "tombstones" | "not-reported"
  /** An (encoded) cursor positioned after everything the service holds, e.g. a timestamp a day ahead. */
  readonly futureCursor: () => unknown
}
