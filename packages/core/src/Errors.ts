/**
 * The typed errors of a sync (docs/design.md §4). Every class carries a `message` a user can act on.
 *
 * - per record, skip and go on: {@link MissingEmail}, {@link InvalidEmail};
 * - stop the run, keep the cursor, retry later: {@link ContactLimitReached}, {@link RateLimited},
 *   {@link ServiceUnavailable};
 * - needs the user: {@link AuthRevoked}, {@link InvalidConfig}, {@link ConnectorNotLoaded};
 * - self-healing: {@link CursorExpired} (a full resync);
 * - a service answer that does not match its documented shape, or a page position it already
 *   gave: {@link MalformedResponse} (stops the run; nothing of that page is written);
 * - a sync that reached its bound of requests: {@link RequestLimitReached} (stops the run, the
 *   next slot continues).
 *
 * Which outcome each error gives a run is decided in one exhaustive match (Outcome.ts), which
 * does not compile while an error a run can end with has no outcome.
 */
import * as Schema from "effect/Schema"
import { ExternalId, ImportId } from "./Domain.js"

export class MissingEmail extends Schema.TaggedError<MissingEmail>()("MissingEmail", {
  externalId: ExternalId
}) {
  override get message() {
    return `source record ${this.externalId} has no email address`
  }
}

export class InvalidEmail extends Schema.TaggedError<InvalidEmail>()("InvalidEmail", {
  email: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${JSON.stringify(this.email)} is not a valid email address: ${this.reason}`
  }
}

export class ContactLimitReached extends Schema.TaggedError<ContactLimitReached>()("ContactLimitReached", {
  limit: Schema.Int,
  deferred: Schema.Int
}) {
  override get message() {
    return `the account's contact limit of ${this.limit} is reached: ${this.deferred} new contact(s) wait until there is room (raise the limit or remove contacts); updates to existing contacts went on`
  }
}

export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  service: Schema.String,
  /** When the service allows the next request, if it said. */
  retryAfterMillis: Schema.optional(Schema.Number)
}) {
  override get message() {
    const wait = this.retryAfterMillis === undefined ? "" : ` (retry after ${Math.ceil(this.retryAfterMillis / 1000)} s)`
    return `${this.service} rate limit reached${wait}; the import continues at its next slot`
  }
}

export class ServiceUnavailable extends Schema.TaggedError<ServiceUnavailable>()("ServiceUnavailable", {
  service: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.service} is unavailable: ${this.detail}; the import continues at its next slot`
  }
}

export class MalformedResponse extends Schema.TaggedError<MalformedResponse>()("MalformedResponse", {
  service: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.service} sent a response that does not have the expected shape: ${this.detail}`
  }
}

export class RequestLimitReached extends Schema.TaggedError<RequestLimitReached>()("RequestLimitReached", {
  service: Schema.String,
  /** The most requests one sync may send to the service (the runner's `requestsPerSync`). */
  limit: Schema.Int
}) {
  override get message() {
    return `${this.service} kept sending more pages: this sync stopped after ${this.limit} requests (the most one sync may send); what was committed stays and the import continues at its next slot`
  }
}

export class AuthRevoked extends Schema.TaggedError<AuthRevoked>()("AuthRevoked", {
  service: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.service} access was revoked or the credentials are invalid (${this.detail}); reconnect the account`
  }
}

export class InvalidConfig extends Schema.TaggedError<InvalidConfig>()("InvalidConfig", {
  /** Where the problem is, e.g. `import 12 config` or `autoimport.config.json: connectors[0]`. */
  where: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `invalid configuration in ${this.where}: ${this.detail}`
  }
}

export class ConnectorNotLoaded extends Schema.TaggedError<ConnectorNotLoaded>()("ConnectorNotLoaded", {
  connectorId: Schema.String,
  /** The ids of the connectors that are loaded, so the message can list them. */
  loaded: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] })
}) {
  override get message() {
    const loaded = this.loaded.length === 0 ? "no connectors are loaded" : `loaded: ${this.loaded.join(", ")}`
    return `connector "${this.connectorId}" is not loaded by this runner (${loaded}); add its package to the configuration`
  }
}

export class CursorExpired extends Schema.TaggedError<CursorExpired>()("CursorExpired", {
  service: Schema.String,
  detail: Schema.String
}) {
  override get message() {
    return `${this.service} no longer accepts the saved sync position (${this.detail}); a full resync starts`
  }
}

export class ImportNotFound extends Schema.TaggedError<ImportNotFound>()("ImportNotFound", {
  importId: Schema.String
}) {
  override get message() {
    return `there is no import with id ${this.importId}`
  }
}

export class SyncInProgress extends Schema.TaggedError<SyncInProgress>()("SyncInProgress", {
  importId: ImportId
}) {
  override get message() {
    return `import ${this.importId} is already syncing elsewhere; this sync was not started`
  }
}

/**
 * A sync may no longer write: another runner took the import's lease (this one was paused or
 * cut off past its lease) or the import was deleted. The store refuses the page inside its
 * transaction, so nothing of it is written; the run ends `interrupted`.
 */
export class LeaseLost extends Schema.TaggedError<LeaseLost>()("LeaseLost", {
  importId: ImportId,
  reason: Schema.Literal("taken", "deleted")
}) {
  override get message() {
    return this.reason === "deleted"
      ? `import ${this.importId} was deleted during this run; the run stopped and wrote nothing more`
      : `another sync took over import ${this.importId} (this one was paused or cut off longer than its lease); this run stopped and wrote nothing more`
  }
}

/**
 * A stored import config the credentials key does not authenticate: the store was opened with
 * another key (or the row was tampered with). The store (packages/store-sql/src/Credentials.ts)
 * dies with it — nothing can go on without the key — and the runner recognises it at start
 * (runner/src/Setup.ts) and fails with this very error, so its message is the one the user reads.
 * Declared here, once, so the store and the runner share one class for the tag.
 */
export class CredentialsKeyMismatch extends Schema.TaggedError<CredentialsKeyMismatch>()("CredentialsKeyMismatch", {
  importId: Schema.String
}) {
  override get message() {
    return `the credentials key does not decrypt import ${this.importId} stored in this database (wrong key?). Use the key the imports were encrypted with (AUTOIMPORT_CREDENTIALS_KEY, credentialsKey or the key file); nothing was changed`
  }
}

/** What a connector's `pull` may fail with. */
export type ConnectorError =
  | RateLimited
  | ServiceUnavailable
  | MalformedResponse
  | RequestLimitReached
  | AuthRevoked
  | InvalidConfig
  | CursorExpired

