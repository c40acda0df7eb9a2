/**
 * Rule R3: a connector's field becomes the custom field `<Service name> <Label>` with the
 * personalization tag derived from that title. Both are unique per account.
 *
 * Collisions: when the title or the tag is already taken by a field that is not this
 * connector's field for this key (a field the user made by hand, or another connector whose
 * name derives the same tag, e.g. "Google-Contacts" vs "Google Contacts"), the existing field is
 * never taken over: the new one gets the first free suffix, `Google Contacts Company (2)` /
 * `GOOGLE_CONTACTS_COMPANY_2`.
 */

/** Upper case, diacritics folded to ASCII, each run of non-alphanumerics one `_`, trimmed. */
export const personalizationTag = (title: string): string =>
  title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")

export const fieldTitle = (serviceName: string, label: string): string => `${serviceName.trim()} ${label.trim()}`

export interface FieldName {
  readonly title: string
  readonly tag: string
}

/**
 * The title and tag for a new field, given the titles and tags the account already uses
 * (compared case-insensitively for titles).
 */
export const resolveFieldName = (
  serviceName: string,
  label: string,
  taken: { readonly titles: ReadonlySet<string>; readonly tags: ReadonlySet<string> }
): FieldName => {
  const baseTitle = fieldTitle(serviceName, label)
  const baseTag = personalizationTag(baseTitle) || "FIELD"
  for (let n = 1; ; n++) {
    const title = n === 1 ? baseTitle : `${baseTitle} (${n})`
    const tag = n === 1 ? baseTag : `${baseTag}_${n}`
    if (!taken.titles.has(title.toLowerCase()) && !taken.tags.has(tag)) return { title, tag }
  }
}
