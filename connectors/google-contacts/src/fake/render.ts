/**
 * A fake person as People API JSON (README.md §5): items from one or two sources, arrays in a
 * per-person shuffled order, exactly one `metadata.primary` per non-empty field, only the
 * fields the request's `personFields` asks for.
 */
import { Prng } from "@autoimport/connector-kit/testing"
import type { FakePerson } from "./Dataset.js"

const sourceId = (person: FakePerson) => (BigInt(person.index) * 2654435761n % 0xffffffffffffn).toString(16).padStart(16, "0")

export const render = (
  person: FakePerson,
  seed: number,
  fields: ReadonlySet<string>,
  sync: boolean
): Record<string, unknown> => {
  const id = sourceId(person)
  const contact = { type: "CONTACT", id }
  const profile = { type: "PROFILE", id: `1${id}` }
  const etag = `%Eg${person.index.toString(36)}.${person.version}`
  const metadata = {
    sources: [
      { ...contact, etag: `#${person.version}`, updateTime: person.updateTime },
      ...(person.profileSource ? [{ ...profile, etag: `#p${person.version}`, updateTime: person.updateTime }] : [])
    ],
    ...(sync && person.previousResourceNames.length > 0 ? { previousResourceNames: person.previousResourceNames } : {}),
    ...(person.deleted ? { deleted: true } : {}),
    objectType: "PERSON"
  }
  if (person.deleted) return { resourceName: person.resourceName, etag, metadata }

  const r = Prng.derive(seed ^ 0x5bd1e995, person.index * 64 + (person.version % 64))
  const shuffle = <A>(items: Array<A>): Array<A> => {
    for (let i = items.length - 1; i > 0; i--) {
      const j = r.int(i + 1)
      ;[items[i], items[j]] = [items[j]!, items[i]!]
    }
    return items
  }
  // Shared by every item of this person: the JSON is the same, and a million people make fewer objects.
  const primaryContact = { metadata: { primary: true, source: contact, sourcePrimary: true } }
  const secondaryContact = { metadata: { source: contact } }
  const item = (primary: boolean, from: { type: string; id: string } = contact) =>
    from === contact
      ? (primary ? primaryContact : secondaryContact)
      : { metadata: { ...(primary ? { primary: true } : {}), source: from, ...(primary ? { sourcePrimary: true } : {}) } }
  const displayName = [person.givenName, person.familyName].filter(Boolean).join(" ")
  const body: Record<string, unknown> = { resourceName: person.resourceName, etag }
  const put = (field: string, value: Array<unknown>) => {
    if (fields.has(field) && value.length > 0) body[field] = value
  }
  if (fields.has("metadata")) body.metadata = metadata
  put("names", shuffle([
    {
      ...item(true),
      displayName,
      givenName: person.givenName,
      ...(person.familyName ? { familyName: person.familyName, displayNameLastFirst: `${person.familyName}, ${person.givenName}` } : {}),
      unstructuredName: displayName
    },
    ...(person.profileSource ? [{ ...item(false, profile), displayName: person.givenName, givenName: person.givenName }] : [])
  ]))
  // A person without a primary address has none at all: the truth model's `email: null`.
  put("emailAddresses", person.email === null ? [] : shuffle([
    // A linked profile's address can be the primary one: the primary flag is across sources.
    { ...item(true, person.profileSource ? profile : contact), value: person.email, type: "work", formattedType: "Work" },
    ...person.otherEmails.map((value) => ({ ...item(false), value, type: "home", formattedType: "Home" }))
  ]))
  put("phoneNumbers", person.phone === null ? [] : [{
    ...item(true),
    value: person.phone,
    canonicalForm: person.phone.replace(/\s/g, ""),
    type: "mobile",
    formattedType: "Mobile"
  }])
  put("organizations", person.company === null ? [] : [{
    ...item(true),
    name: person.company,
    ...(person.jobTitle ? { title: person.jobTitle } : {}),
    ...(person.department ? { department: person.department } : {}),
    current: true,
    type: "work",
    formattedType: "Work"
  }])
  put("addresses", person.address === null ? [] : [{
    ...item(true),
    formattedValue: `${person.address.street}\n${person.address.city}\n${person.address.country}`,
    streetAddress: person.address.street,
    city: person.address.city,
    country: person.address.country,
    type: "home",
    formattedType: "Home"
  }])
  put("biographies", person.notes === null ? [] : [{ ...item(true), value: person.notes, contentType: "TEXT_PLAIN" }])
  put("birthdays", person.birthday === null ? [] : [{ ...item(true), date: person.birthday }])
  put("memberships", shuffle(person.groups.map((group) => ({
    ...item(false),
    contactGroupMembership: { contactGroupId: group, contactGroupResourceName: `contactGroups/${group}` }
  }))))
  return body
}
