/**
 * The domain vocabulary shared by the engine, the store, the runner and connector packages.
 */
import * as Schema from "effect/Schema"

export const AccountId = Schema.NonEmptyTrimmedString.pipe(Schema.brand("@autoimport/AccountId"))
export type AccountId = typeof AccountId.Type

export const ImportId = Schema.NonEmptyTrimmedString.pipe(Schema.brand("@autoimport/ImportId"))
export type ImportId = typeof ImportId.Type

export const ContactId = Schema.NonEmptyTrimmedString.pipe(Schema.brand("@autoimport/ContactId"))
export type ContactId = typeof ContactId.Type

export const ListId = Schema.NonEmptyTrimmedString.pipe(Schema.brand("@autoimport/ListId"))
export type ListId = typeof ListId.Type

export const FieldId = Schema.NonEmptyTrimmedString.pipe(Schema.brand("@autoimport/FieldId"))
export type FieldId = typeof FieldId.Type

export const RunId = Schema.NonEmptyTrimmedString.pipe(Schema.brand("@autoimport/RunId"))
export type RunId = typeof RunId.Type

/** The id of a record in the external service (a resource name, a numeric id as text, ...). */
export const ExternalId = Schema.NonEmptyString.pipe(Schema.brand("@autoimport/ExternalId"))
export type ExternalId = typeof ExternalId.Type

/** Stable kebab-case connector id, e.g. `google-contacts`. */
export const ConnectorId = Schema.String.pipe(
  Schema.pattern(/^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, {
    message: () => "a connector id is kebab-case: lower-case letters and digits separated by single dashes"
  }),
  Schema.brand("@autoimport/ConnectorId")
)
export type ConnectorId = typeof ConnectorId.Type

/** An email address after {@link Email.normalize}: the key contacts are matched on. */
export const NormalizedEmail = Schema.String.pipe(Schema.brand("@autoimport/NormalizedEmail"))
export type NormalizedEmail = typeof NormalizedEmail.Type

export const FieldType = Schema.Literal("text", "multiline", "number", "date", "list")
export type FieldType = typeof FieldType.Type

/** A custom field a connector fills; `key` is stable across versions, `label` is shown to users. */
export class FieldDefinition extends Schema.Class<FieldDefinition>("@autoimport/FieldDefinition")({
  key: Schema.String.pipe(Schema.pattern(/^[a-z][a-z0-9_]*$/)),
  label: Schema.NonEmptyTrimmedString,
  type: FieldType
}) {}

/** A custom field of an account (rule R3), with the personalization tag used as `%TAG%`. */
export class CustomField extends Schema.Class<CustomField>("@autoimport/CustomField")({
  id: FieldId,
  accountId: AccountId,
  title: Schema.String,
  tag: Schema.String,
  /** The connector that created it, or null for a field the user made by hand. */
  connectorId: Schema.NullOr(ConnectorId),
  key: Schema.NullOr(Schema.String),
  type: FieldType
}) {}

export const MembershipStatus = Schema.Literal("active", "unsubscribed")
export type MembershipStatus = typeof MembershipStatus.Type

export class Account extends Schema.Class<Account>("@autoimport/Account")({
  id: AccountId,
  /** null: no limit. */
  contactLimit: Schema.NullOr(Schema.Int.pipe(Schema.nonNegative())),
  contactCount: Schema.Int,
  /** Source records of the account's imports that wait for room under the limit (R5). */
  deferredCount: Schema.Int
}) {}

export class List extends Schema.Class<List>("@autoimport/List")({
  id: ListId,
  accountId: AccountId,
  name: Schema.String
}) {}

export class ContactView extends Schema.Class<ContactView>("@autoimport/ContactView")({
  id: ContactId,
  email: NormalizedEmail,
  firstName: Schema.NullOr(Schema.String),
  lastName: Schema.NullOr(Schema.String),
  phone: Schema.NullOr(Schema.String),
  /** Custom field values by personalization tag. */
  fields: Schema.Record({ key: Schema.String, value: Schema.String }),
  lists: Schema.Array(Schema.Struct({ listId: ListId, name: Schema.String, status: MembershipStatus })),
  createdAt: Schema.DateFromNumber,
  updatedAt: Schema.DateFromNumber
}) {}

/**
 * One record as a connector delivers it. Values are as the source has them; the engine
 * normalizes and validates (an absent or `null` value leaves what the contact already has).
 */
export class SourceContact extends Schema.TaggedClass<SourceContact>("@autoimport/SourceContact")("SourceContact", {
  externalId: ExternalId,
  email: Schema.NullOr(Schema.String),
  firstName: Schema.optional(Schema.NullOr(Schema.String)),
  lastName: Schema.optional(Schema.NullOr(Schema.String)),
  phone: Schema.optional(Schema.NullOr(Schema.String)),
  /** Values by {@link FieldDefinition.key}; null clears the value. */
  fields: Schema.Record({ key: Schema.String, value: Schema.NullOr(Schema.String) }),
  /** Ids this record had before (a service that re-keys records); links move to `externalId`. */
  previousExternalIds: Schema.optional(Schema.Array(ExternalId))
}) {}

/** The source deleted the record. The contact stays (as with a deleted import, R8); the link goes. */
export class SourceDeletion extends Schema.TaggedClass<SourceDeletion>("@autoimport/SourceDeletion")("SourceDeletion", {
  externalId: ExternalId
}) {}

export const SourceRecord = Schema.Union(SourceContact, SourceDeletion)
export type SourceRecord = typeof SourceRecord.Type

export const ImportStatus = Schema.Literal("active", "needs-attention")
export type ImportStatus = typeof ImportStatus.Type

/** An import as stored. `config` is the connector's encoded config (secrets in clear text only in memory). */
export class Import extends Schema.Class<Import>("@autoimport/Import")({
  id: ImportId,
  accountId: AccountId,
  connectorId: ConnectorId,
  name: Schema.String,
  config: Schema.Unknown,
  listIds: Schema.Array(ListId),
  status: ImportStatus,
  statusReason: Schema.NullOr(Schema.String),
  createdAt: Schema.DateFromNumber,
  updatedAt: Schema.DateFromNumber,
  /** When it was deleted; a deleted import never syncs again, but its history stays readable (R8). */
  deletedAt: Schema.NullOr(Schema.DateFromNumber)
}) {}

/** The persisted position of an import, besides its cursor. */
export class ImportSchedule extends Schema.Class<ImportSchedule>("@autoimport/ImportSchedule")({
  importId: ImportId,
  lastRunAt: Schema.NullOr(Schema.DateFromNumber),
  nextRunAt: Schema.NullOr(Schema.DateFromNumber)
}) {}

export const SkipReason = Schema.Literal("MissingEmail", "InvalidEmail")
export type SkipReason = typeof SkipReason.Type

export class Skip extends Schema.Class<Skip>("@autoimport/Skip")({
  externalId: ExternalId,
  reason: SkipReason,
  detail: Schema.String,
  /** The email as the source had it, for "why is this contact not here?" lookups. */
  email: Schema.NullOr(Schema.String)
}) {}

/**
 * How a run ended:
 * - `caught-up`: the source has nothing more right now;
 * - `batch-cap`: the batch cap was reached, the rest follows in later syncs;
 * - `stopped`: an expected condition ended the run early, the cursor is kept (see `reason`);
 * - `needs-attention`: the user must act (credentials, config, connector missing);
 * - `failed`: a bug or infrastructure failure; the cursor is kept;
 * - `interrupted`: the process stopped while the run was in progress.
 */
export const RunOutcome = Schema.Literal("running", "caught-up", "batch-cap", "stopped", "needs-attention", "failed", "interrupted")
export type RunOutcome = typeof RunOutcome.Type

export class RunCounts extends Schema.Class<RunCounts>("@autoimport/RunCounts")({
  fetched: Schema.Int,
  added: Schema.Int,
  updated: Schema.Int,
  unchanged: Schema.Int,
  skipped: Schema.Int,
  deleted: Schema.Int,
  /** New contacts that did not fit under the contact limit; they follow once there is room. */
  deferred: Schema.Int
}) {
  static readonly zero = new RunCounts({ fetched: 0, added: 0, updated: 0, unchanged: 0, skipped: 0, deleted: 0, deferred: 0 })
  plus(that: Partial<RunCounts>): RunCounts {
    return new RunCounts({
      fetched: this.fetched + (that.fetched ?? 0),
      added: this.added + (that.added ?? 0),
      updated: this.updated + (that.updated ?? 0),
      unchanged: this.unchanged + (that.unchanged ?? 0),
      skipped: this.skipped + (that.skipped ?? 0),
      deleted: this.deleted + (that.deleted ?? 0),
      deferred: this.deferred + (that.deferred ?? 0)
    })
  }
}

/** What one sync run did and why it stopped (rule R9). */
export class SyncRun extends Schema.Class<SyncRun>("@autoimport/SyncRun")({
  id: RunId,
  importId: ImportId,
  startedAt: Schema.DateFromNumber,
  finishedAt: Schema.NullOr(Schema.DateFromNumber),
  outcome: RunOutcome,
  counts: RunCounts,
  /** The tag of the error that stopped the run, e.g. `ContactLimitReached`. */
  stopTag: Schema.NullOr(Schema.String),
  /** A sentence for people: why the run stopped or what needs doing. */
  message: Schema.NullOr(Schema.String),
  /** True when the service's cursor had expired and the run started a full resync. */
  resynced: Schema.Boolean,
  /** Who ran it (runner process id), so concurrent runners can be told apart in the history. */
  owner: Schema.String
}) {}
