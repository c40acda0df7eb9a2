/**
 * How a deferred source record (R5) is kept in `deferred_records.record`: the normalized write
 * the engine asked for, as JSON. It is decoded with a schema on the way out because the row
 * outlives the code that wrote it (an upgrade between deferring and adding must not turn a
 * changed shape into garbage contacts: it fails loudly instead).
 */
import { ExternalId, FieldId, NormalizedEmail } from "@autoimport/core/Domain"
import type { DeferredRecord } from "@autoimport/core/Store"
import * as Schema from "effect/Schema"

const RecordJson = Schema.parseJson(Schema.Struct({
  email: NormalizedEmail,
  // null, not absent: "leave the column as it is" must survive the round trip as such.
  firstName: Schema.NullOr(Schema.String),
  lastName: Schema.NullOr(Schema.String),
  phone: Schema.NullOr(Schema.String),
  fieldValues: Schema.Array(Schema.Struct({ fieldId: FieldId, value: Schema.NullOr(Schema.String) })),
  previousExternalIds: Schema.Array(ExternalId)
}))

export const encode = (record: DeferredRecord): string =>
  Schema.encodeSync(RecordJson)({
    email: record.email,
    firstName: record.firstName ?? null,
    lastName: record.lastName ?? null,
    phone: record.phone ?? null,
    fieldValues: record.fieldValues,
    previousExternalIds: record.previousExternalIds
  })

/** Throws (a defect for the caller) when a stored row does not have the expected shape. */
export const decode = (externalId: string, json: string): DeferredRecord => {
  const r = Schema.decodeUnknownSync(RecordJson)(json)
  return {
    externalId: ExternalId.make(externalId),
    email: r.email,
    firstName: r.firstName ?? undefined,
    lastName: r.lastName ?? undefined,
    phone: r.phone ?? undefined,
    fieldValues: r.fieldValues,
    previousExternalIds: r.previousExternalIds
  }
}
