/**
 * A Shopify customer as a source contact (README.md §5), the import's criteria, and the
 * (updatedAt, id) order of customers.
 */
import { ExternalId, FieldDefinition, SourceContact } from "@autoimport/core/Domain"
import * as DateTime from "effect/DateTime"
import * as Order from "effect/Order"
import { type Criteria, Cursor, type Customer, CustomerNumber, type MailingAddress } from "../Schemas.js"

/** The custom fields (R3: "Shopify <Label>", tag `SHOPIFY_<LABEL>`). Keys are stable. */
export const fields: ReadonlyArray<FieldDefinition> = [
  new FieldDefinition({ key: "orders_count", label: "Orders Count", type: "number" }),
  new FieldDefinition({ key: "amount_spent", label: "Amount Spent", type: "number" }),
  new FieldDefinition({ key: "amount_spent_currency", label: "Amount Spent Currency", type: "text" }),
  new FieldDefinition({ key: "tags", label: "Tags", type: "text" }),
  new FieldDefinition({ key: "address", label: "Address", type: "multiline" }),
  new FieldDefinition({ key: "city", label: "City", type: "text" }),
  new FieldDefinition({ key: "country", label: "Country", type: "text" }),
  new FieldDefinition({ key: "company", label: "Company", type: "text" }),
  new FieldDefinition({ key: "marketing_state", label: "Marketing State", type: "text" })
]

/** The default address as lines: street, street 2, zip and city, province, country. */
export const formatAddress = (address: MailingAddress): string | null => {
  const lines = [
    address.address1,
    address.address2,
    [address.zip, address.city].filter(present).join(" "),
    address.province,
    address.country
  ].filter(present)
  return lines.length === 0 ? null : lines.join("\n")
}

const present = (value: string | null): value is string => value !== null && value.trim() !== ""

export const toSourceContact = (customer: Customer): SourceContact => {
  const address = customer.defaultAddress
  return new SourceContact({
    externalId: ExternalId.make(customer.id),
    email: customer.defaultEmailAddress?.emailAddress ?? null,
    firstName: customer.firstName,
    lastName: customer.lastName,
    // The customer's own number first; an address's phone is the next best thing.
    phone: customer.defaultPhoneNumber?.phoneNumber ?? address?.phone ?? null,
    fields: {
      orders_count: customer.numberOfOrders,
      amount_spent: customer.amountSpent?.amount ?? null,
      amount_spent_currency: customer.amountSpent?.currencyCode ?? null,
      tags: customer.tags.length === 0 ? null : customer.tags.join(", "),
      address: address === null ? null : formatAddress(address),
      city: address?.city ?? null,
      country: address?.country ?? null,
      company: address?.company ?? null,
      marketing_state: customer.defaultEmailAddress?.marketingState ?? null
    }
  })
}

/** Whether a customer is in the import: any of the tags (Shopify tags ignore case), any of the states. */
export const matches = (criteria: Criteria) => {
  const tags = new Set(criteria.tags.map((tag) => tag.toLowerCase()))
  const states = new Set<string>(criteria.emailMarketing)
  return (customer: Customer): boolean =>
    (tags.size === 0 || customer.tags.some((tag) => tags.has(tag.toLowerCase()))) &&
    (states.size === 0 || states.has(customer.defaultEmailAddress?.marketingState ?? ""))
}

/** The position right after `customer`. */
export const positionOf = (customer: Customer): Cursor => new Cursor({ updatedAt: customer.updatedAt, id: customer.legacyResourceId })

/** Before every customer: the first sync's position. */
export const origin = new Cursor({ updatedAt: DateTime.unsafeMake(0), id: CustomerNumber.make("0") })

/** `UPDATED_AT` order with the id as tie-break; ids are compared as numbers (they are UnsignedInt64). */
export const order: Order.Order<Cursor> = Order.combine(
  Order.mapInput(DateTime.Order, (c: Cursor) => c.updatedAt),
  Order.mapInput(Order.bigint, (c: Cursor) => BigInt(c.id))
)
