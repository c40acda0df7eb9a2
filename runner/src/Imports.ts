/**
 * Creating and changing imports, shared by the CLI and the demo. Input is validated against
 * the connector's config schema before anything is written; the store keeps the encoded form
 * (and encrypts it).
 */
import { Connector, type Domain, Errors, Store } from "@autoimport/core"
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { maxDepth, tooDeep } from "./internal/schemas.js"
import * as Limits from "./Limits.js"
import * as Secrets from "./Secrets.js"
import { defaultAccountId } from "./Setup.js"

export interface ValidConfig {
  readonly connector: Connector.AnyConnector
  readonly decoded: unknown
  /** What the store keeps. */
  readonly encoded: unknown
}

/**
 * Checks an import config a user gave against the size limits and then its connector; the error
 * names the offending path, and an unknown key (at any level) is an error naming the closest
 * known one.
 */
export const validate = (connector: Connector.AnyConnector, where: string, raw: unknown, options: Connector.DecodeInputOptions = {}) =>
  (tooDeep(raw)
    ? Effect.fail(new Errors.InvalidConfig({ where, detail: `nested deeper than ${maxDepth} levels` }))
    : Schema.decodeUnknown(Limits.ImportConfig)(raw).pipe(
      Effect.mapError((e) => new Errors.InvalidConfig({ where, detail: Connector.formatParseError(e) })),
      Effect.zipRight(Connector.decodeInput(connector.config, where, raw, options))
    )).pipe(
      Effect.flatMap((decoded) =>
        Effect.map(Effect.orDie(Schema.encode(connector.config)(decoded)), (encoded): ValidConfig => ({ connector, decoded, encoded }))
      )
    )

/** Whether `path` names a key present in `value` (the keys a merge patch sets). */
const hasPath = (value: unknown, path: ReadonlyArray<PropertyKey>): boolean =>
  path.every((key) => {
    if (typeof value !== "object" || value === null || !Object.hasOwn(value, key)) return false
    value = (value as Record<PropertyKey, unknown>)[key]
    return true
  })

const now = Effect.map(Clock.currentTimeMillis, (ms) => new Date(ms))

/** A new import in the default account, feeding the list of that name (created on first use). */
export const create = (input: { readonly config: ValidConfig; readonly name: string; readonly list: string }) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const list = yield* store.ensureList(defaultAccountId, input.list)
    return yield* store.createImport(
      {
        accountId: defaultAccountId,
        connectorId: input.config.connector.id,
        name: input.name,
        config: input.config.encoded,
        listIds: [list.id]
      },
      yield* now
    )
  })

/** RFC 7386 merge patch: `imports edit --config` changes only the keys it names; null removes one. */
export const mergePatch = (target: unknown, patch: unknown): unknown => {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch
  const base: Record<string, unknown> = typeof target === "object" && target !== null && !Array.isArray(target)
    ? { ...(target as Record<string, unknown>) }
    : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key]
    else base[key] = mergePatch(base[key], value)
  }
  return base
}

export interface Edit {
  readonly name: Option.Option<string>
  /** A merge patch over the stored (encoded) config. */
  readonly configPatch: Option.Option<unknown>
  readonly list: Option.Option<string>
}

/**
 * Applies an edit. New settings make the import active again and due at once (the problem they
 * fixed is re-checked by the next sync); changed criteria also forget the cursor, so the next
 * sync fetches everything they now match (R1), while new secrets alone keep the position.
 */
export const edit = (id: Domain.ImportId, change: Edit) =>
  Effect.gen(function*() {
    const store = yield* Store.Store
    const connectors = yield* Connector.Connectors
    const imp = yield* store.getImport(id)
    const config = yield* Effect.transposeMapOption(change.configPatch, (patch) =>
      Effect.gen(function*() {
        const { connector } = yield* connectors.get(imp.connectorId)
        // Only keys the patch sets can be unknown: one an older version stored must not block an edit.
        const next = yield* validate(connector, "--config", mergePatch(imp.config, patch), { typed: (path) => hasPath(patch, path) })
        const before = Secrets.maskImportConfig(imp, connectors)
        const criteriaChanged = before._tag === "Unreadable" ||
          JSON.stringify(before.value) !== JSON.stringify(Secrets.mask(next.decoded))
        return { encoded: next.encoded, criteriaChanged }
      }))
    const listId = yield* Effect.transposeMapOption(change.list, (name) =>
      Effect.map(store.ensureList(defaultAccountId, name), (l) => l.id))
    const at = yield* now
    const updated = yield* store.updateImport(imp.id, {
      ...Option.match(change.name, { onNone: () => ({}), onSome: (name) => ({ name }) }),
      ...Option.match(listId, { onNone: () => ({}), onSome: (l) => ({ listIds: [l] }) }),
      ...Option.match(config, {
        onNone: () => ({}),
        onSome: (c) => ({ config: c.encoded, status: "active" as const, statusReason: null })
      })
    }, at)
    if (Option.isSome(config)) {
      if (config.value.criteriaChanged) yield* store.resetCursor(imp.id)
      yield* store.setNextRunAt(imp.id, at)
    }
    return { imp: updated, criteriaChanged: Option.exists(config, (c) => c.criteriaChanged) }
  })
