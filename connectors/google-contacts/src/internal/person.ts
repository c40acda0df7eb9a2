/**
 * A People API Person → the record the engine stores (README.md §5 mapping notes).
 */
import { ExternalId, FieldDefinition, SourceContact, SourceDeletion, type SourceRecord } from "@autoimport/core/Domain"
import * as Option from "effect/Option"
import type { Person } from "./api.js"

/** The custom fields (R3: "Google Contacts <Label>" / GOOGLE_CONTACTS_<LABEL>). */
export const fields = [
  new FieldDefinition({ key: "company", label: "Company", type: "text" }),
  new FieldDefinition({ key: "job_title", label: "Job Title", type: "text" }),
  new FieldDefinition({ key: "department", label: "Department", type: "text" }),
  new FieldDefinition({ key: "birthday", label: "Birthday", type: "date" }),
  new FieldDefinition({ key: "address", label: "Address", type: "multiline" }),
  new FieldDefinition({ key: "city", label: "City", type: "text" }),
  new FieldDefinition({ key: "country", label: "Country", type: "text" }),
  new FieldDefinition({ key: "notes", label: "Notes", type: "multiline" })
]

/** Items of a field come from several sources in no order; exactly one is marked primary. */
const primary = <A extends { readonly metadata?: { readonly primary?: boolean | undefined } | undefined }>(
  items: ReadonlyArray<A> | undefined
): A | undefined => items === undefined ? undefined : items.find((item) => item.metadata?.primary === true) ?? items[0]

const text = (value: string | undefined): string | null => (value === undefined || value.trim() === "" ? null : value)

const pad = (n: number) => String(n).padStart(2, "0")

/** `YYYY-MM-DD`, or `--MM-DD` (ISO 8601 without year) for a birthday saved without one. */
const birthday = (person: Person): string | null => {
  const item = primary(person.birthdays)
  const date = item?.date
  if (date?.month !== undefined && date.day !== undefined) {
    return date.year === undefined ? `--${pad(date.month)}-${pad(date.day)}` : `${date.year}-${pad(date.month)}-${pad(date.day)}`
  }
  return text(item?.text)
}

/**
 * The import's `contactGroup` criterion as a resource name: `contactGroups/friends` and
 * `friends` mean the same group.
 */
export const groupResourceName = (group: string): string =>
  group.startsWith("contactGroups/") ? group : `contactGroups/${group}`

const isMember = (person: Person, groupName: string): boolean =>
  (person.memberships ?? []).some((m) => {
    const membership = m.contactGroupMembership
    return membership?.contactGroupResourceName === groupName ||
      (membership?.contactGroupId !== undefined && groupResourceName(membership.contactGroupId) === groupName)
  })

/**
 * The record for a person, or none when it is outside the `group` criterion. A deletion is
 * always delivered: a tombstone carries no memberships, and an unknown link is a no-op.
 */
export const toRecord = (person: Person, group: string | undefined): Option.Option<SourceRecord> => {
  const externalId = ExternalId.make(person.resourceName)
  if (person.metadata?.deleted === true) return Option.some(new SourceDeletion({ externalId }))
  if (group !== undefined && !isMember(person, group)) return Option.none()
  const name = primary(person.names)
  const organization = primary(person.organizations)
  const address = primary(person.addresses)
  const previous = (person.metadata?.previousResourceNames ?? []).map((id) => ExternalId.make(id))
  return Option.some(
    new SourceContact({
      externalId,
      email: text(primary(person.emailAddresses)?.value),
      firstName: text(name?.givenName),
      lastName: text(name?.familyName),
      phone: text(primary(person.phoneNumbers)?.value),
      fields: {
        company: text(organization?.name),
        job_title: text(organization?.title),
        department: text(organization?.department),
        birthday: birthday(person),
        address: text(address?.formattedValue),
        city: text(address?.city),
        country: text(address?.country),
        notes: text(primary(person.biographies)?.value)
      },
      ...(previous.length > 0 ? { previousExternalIds: previous } : {})
    })
  )
}
