import { OAuth2 } from "@autoimport/connector-kit"
import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { ContactGroup, ErrorEnvelope, ListConnectionsResponse } from "../src/internal/api.js"
import { toRecord } from "../src/internal/person.js"

const dir = fileURLToPath(new URL("./fixtures/", import.meta.url))
const read = (file: string): unknown => JSON.parse(readFileSync(join(dir, file), "utf8"))
const decode = <A, I>(schema: Schema.Schema<A, I>, body: unknown) => Schema.decodeUnknownSync(schema)(body, { onExcessProperty: "ignore" })

describe("recorded Google responses", () => {
  it("every fixture file is decoded by the decoder for its endpoint", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"))
    assert.isAtLeast(files.length, 6)
    for (const file of files) {
      const body = read(file)
      if (file.startsWith("connections-")) decode(ListConnectionsResponse, body)
      else if (file.startsWith("contact-groups-")) (body as { contactGroups: Array<unknown> }).contactGroups.forEach((g) => decode(ContactGroup, g))
      else if (file.startsWith("error-")) decode(ErrorEnvelope, body)
      else if (file.startsWith("token-")) decode(OAuth2.TokenError, body)
      else assert.fail(`no decoder for ${file}`)
    }
  })

  it("recorded people map to contacts with names and no email", () => {
    const first = decode(ListConnectionsResponse, read("connections-list-page1.json"))
    assert.strictEqual(first.nextPageToken, "GiAKHAgBagsIvd7bwwYQiLuICXILCLTe28MGEOChvEYQAg")
    const record = Option.getOrThrow(toRecord(first.connections[0]!, undefined))
    assert.strictEqual(record._tag, "SourceContact")
    if (record._tag !== "SourceContact") return
    assert.strictEqual(record.externalId, "people/c3194283054244587340")
    assert.strictEqual(record.firstName, "Josh")
    assert.strictEqual(record.lastName, "Brown")
    assert.strictEqual(record.email, null)
    const last = decode(ListConnectionsResponse, read("connections-list-last-page.json"))
    assert.isUndefined(last.nextPageToken)
    assert.isUndefined(last.nextSyncToken)
  })

  it("a missing connections list is an empty page", () => {
    assert.deepStrictEqual(decode(ListConnectionsResponse, { totalItems: 0 }).connections, [])
  })
})
