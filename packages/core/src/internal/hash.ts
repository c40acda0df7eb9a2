import { createHash } from "node:crypto"
import type { ContactWrite } from "../Store.js"

/**
 * Fingerprint of what a record writes, including the import's target lists so that changing
 * them reaches contacts whose source did not change.
 */
export const contentHash = (write: Omit<ContactWrite, "hash">, listIds: ReadonlyArray<string>): string =>
  createHash("sha256")
    .update(JSON.stringify([
      write.email,
      write.firstName ?? null,
      write.lastName ?? null,
      write.phone ?? null,
      [...write.fieldValues].sort((a, b) => (a.fieldId < b.fieldId ? -1 : a.fieldId > b.fieldId ? 1 : 0)).map((v) => [v.fieldId, v.value]),
      [...listIds].sort()
    ]))
    .digest("base64url")
    .slice(0, 22)
