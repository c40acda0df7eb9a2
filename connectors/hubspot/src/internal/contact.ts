/**
 * A HubSpot contact → the record the engine stores (README.md §5 mapping notes).
 */
import { ExternalId, FieldDefinition, SourceContact } from "@autoimport/core/Domain"
import type { Contact } from "./api.js"

/**
 * The custom fields (R3: "HubSpot <Label>" / HUBSPOT_<LABEL>), each read from one HubSpot
 * property. Values are HubSpot's internal values (a lifecycle stage is `marketingqualifiedlead`,
 * as in HubSpot's own exports and filters), not the portal's display labels, which need another
 * API call and may be renamed per portal.
 */
const fieldProperties = [
  { key: "company", label: "Company", property: "company" },
  { key: "job_title", label: "Job Title", property: "jobtitle" },
  { key: "lifecycle_stage", label: "Lifecycle Stage", property: "lifecyclestage" },
  { key: "lead_status", label: "Lead Status", property: "hs_lead_status" },
  { key: "mobile_phone", label: "Mobile Phone", property: "mobilephone" },
  { key: "website", label: "Website", property: "website" },
  { key: "city", label: "City", property: "city" },
  { key: "state", label: "State", property: "state" },
  { key: "country", label: "Country", property: "country" }
] as const

export const fields = fieldProperties.map(({ key, label }) => new FieldDefinition({ key, label, type: "text" }))

/**
 * The properties every search asks for (the modification time comes as `updatedAt` anyway).
 * `hs_merged_object_ids` lists the ids a merge folded
 * into this contact (§4 Merges), so the losers' links move to the survivor.
 */
export const properties: ReadonlyArray<string> = [
  "email",
  "firstname",
  "lastname",
  "phone",
  ...fieldProperties.map((f) => f.property),
  "hs_merged_object_ids"
]

const text = (value: string | null | undefined): string | null =>
  value === undefined || value === null || value.trim() === "" ? null : value

/** `;`-separated in observed data (delimiter unconfirmed: commas are accepted too). */
const mergedIds = (value: string | null | undefined, self: string): ReadonlyArray<ExternalId> =>
  (value ?? "").split(/[;,]/).map((id) => id.trim()).filter((id) => /^\d+$/.test(id) && id !== self).map((id) => ExternalId.make(id))

export const toRecord = (contact: Contact): SourceContact => {
  const p = contact.properties
  const previous = mergedIds(p["hs_merged_object_ids"], contact.id)
  return new SourceContact({
    externalId: ExternalId.make(contact.id),
    // Only the primary address: a secondary one (`hs_additional_emails`) as the key could make
    // one person two contacts when the primary is added later.
    email: text(p["email"]),
    firstName: text(p["firstname"]),
    lastName: text(p["lastname"]),
    phone: text(p["phone"]),
    fields: Object.fromEntries(fieldProperties.map((f) => [f.key, text(p[f.property])])),
    ...(previous.length > 0 ? { previousExternalIds: previous } : {})
  })
}
