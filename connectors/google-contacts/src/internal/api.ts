/**
 * People API v1 response shapes (README.md §1, §5, §6), as far as the
 * importer reads them. Lenient on purpose: every field Google may leave out is optional, and
 * unknown fields are ignored (decoding uses `onExcessProperty: "ignore"`).
 */
import * as Schema from "effect/Schema"

/**
 * Person-level lists stay `undefined` when absent (read with `?? []`): a default is a
 * transformation, and those made decoding a page four times slower.
 */
const optionalList = <A, I, R>(item: Schema.Schema<A, I, R>) => Schema.optional(Schema.Array(item))

const listOrEmpty = <A, I, R>(item: Schema.Schema<A, I, R>) => Schema.optionalWith(Schema.Array(item), { default: () => [] })

/**
 * Only what the mapping reads is declared: decoding cost grows with declared fields (a page is a
 * thousand people with a dozen items each), and undeclared ones are ignored anyway.
 */
export const FieldMetadata = Schema.Struct({ primary: Schema.optional(Schema.Boolean) })

const field = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.Struct({ metadata: Schema.optional(FieldMetadata), ...fields })

export const Name = field({ givenName: Schema.optional(Schema.String), familyName: Schema.optional(Schema.String) })

export const EmailAddress = field({ value: Schema.optional(Schema.String) })

export const PhoneNumber = field({ value: Schema.optional(Schema.String) })

export const Organization = field({
  name: Schema.optional(Schema.String),
  title: Schema.optional(Schema.String),
  department: Schema.optional(Schema.String)
})

export const Address = field({
  formattedValue: Schema.optional(Schema.String),
  city: Schema.optional(Schema.String),
  country: Schema.optional(Schema.String)
})

export const Biography = field({ value: Schema.optional(Schema.String) })

export const Birthday = field({
  date: Schema.optional(Schema.Struct({
    year: Schema.optional(Schema.Number),
    month: Schema.optional(Schema.Number),
    day: Schema.optional(Schema.Number)
  })),
  text: Schema.optional(Schema.String)
})

export const Membership = Schema.Struct({
  contactGroupMembership: Schema.optional(Schema.Struct({
    contactGroupId: Schema.optional(Schema.String),
    contactGroupResourceName: Schema.optional(Schema.String)
  }))
})

export const Person = Schema.Struct({
  resourceName: Schema.NonEmptyString,
  metadata: Schema.optional(Schema.Struct({
    previousResourceNames: optionalList(Schema.NonEmptyString),
    deleted: Schema.optional(Schema.Boolean)
  })),
  names: optionalList(Name),
  emailAddresses: optionalList(EmailAddress),
  phoneNumbers: optionalList(PhoneNumber),
  organizations: optionalList(Organization),
  addresses: optionalList(Address),
  biographies: optionalList(Biography),
  birthdays: optionalList(Birthday),
  memberships: optionalList(Membership)
})
export type Person = typeof Person.Type

/** `people.connections.list`; `connections` is omitted when empty. */
export const ListConnectionsResponse = Schema.Struct({
  connections: listOrEmpty(Person),
  nextPageToken: Schema.optional(Schema.String),
  nextSyncToken: Schema.optional(Schema.String)
})
export type ListConnectionsResponse = typeof ListConnectionsResponse.Type

/** `contactGroups.get`, used to check the import's `contactGroup` criterion. */
export const ContactGroup = Schema.Struct({
  resourceName: Schema.NonEmptyString,
  name: Schema.optional(Schema.String),
  formattedName: Schema.optional(Schema.String),
  groupType: Schema.optional(Schema.String),
  memberCount: Schema.optional(Schema.Number)
})

/** Google's error envelope (§6). */
export const ErrorEnvelope = Schema.Struct({
  error: Schema.Struct({
    code: Schema.Number,
    message: Schema.String,
    status: Schema.optional(Schema.String),
    details: listOrEmpty(Schema.Struct({ "@type": Schema.optional(Schema.String), reason: Schema.optional(Schema.String) }))
  })
})
export type ErrorEnvelope = typeof ErrorEnvelope.Type
