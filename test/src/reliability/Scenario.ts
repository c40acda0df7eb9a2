/**
 * Property-based convergence (R10): a random source, random edits between syncs, random faults
 * of the service and the transport, random interruption points in the store — then, once the
 * faults stop, a bounded number of syncs must leave the account exactly as the source says.
 */
import type { AccountId, ImportId, ListId, NormalizedEmail } from "@autoimport/core/Domain"
import * as Email from "@autoimport/core/Email"
import type { StoreShape } from "@autoimport/core/Store"
import { serveFake } from "@autoimport/connector-kit/testing"
import * as SqlClient from "@effect/sql/SqlClient"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Fiber from "effect/Fiber"
import * as Schema from "effect/Schema"
import fc from "fast-check"
import { makeHarness } from "../Harness.js"
import type { Figures } from "./Figures.js"
import * as ResetProxy from "./ResetProxy.js"
import type { DatasetShape, Mutation, Source, SourceRecord, Subject } from "./Subjects.js"

export type Fault =
  | { readonly _tag: "RateLimit"; readonly count: number; readonly retryAfterSeconds: number | undefined }
  | { readonly _tag: "ServerError"; readonly count: number; readonly status: 500 | 502 | 503 | 504 }
  /** Slower than the client's 30 s timeout (in driven virtual time), or merely slow. */
  | { readonly _tag: "Slow"; readonly count: number; readonly beyondTimeout: boolean }
  | { readonly _tag: "Malformed"; readonly count: number; readonly how: "truncated" | "wrong-shape" }
  | { readonly _tag: "ConnectionReset"; readonly count: number }
  | { readonly _tag: "ExpireAccessTokens" }
  | { readonly _tag: "ExpireCursors" }

/** Where the store gives way during a sync: at its k-th page commit. */
export type Interruption =
  /** The database connection is lost before the page's transaction. */
  | { readonly _tag: "DieBefore"; readonly commit: number }
  /** The page's writes ran inside the transaction, then the connection is lost: all rolled back. */
  | { readonly _tag: "DieInside"; readonly commit: number }
  /** The process shuts down (the sync's fiber is interrupted) while the page commits. */
  | { readonly _tag: "Interrupt"; readonly commit: number }

export interface Round {
  readonly mutations: ReadonlyArray<{ readonly mutation: Mutation; readonly pick: number }>
  readonly faults: ReadonlyArray<Fault>
  readonly interruption: Interruption | undefined
  /** Contacts the user unsubscribes from the import's list before this round's syncs. */
  readonly unsubscribe: ReadonlyArray<number>
  readonly syncs: number
}

export interface Scenario {
  readonly dataset: DatasetShape
  readonly pageSize: number
  readonly batchCap: number
  readonly rounds: ReadonlyArray<Round>
}

const fault: fc.Arbitrary<Fault> = fc.oneof(
  fc.record({ _tag: fc.constant("RateLimit" as const), count: fc.integer({ min: 1, max: 6 }), retryAfterSeconds: fc.option(fc.integer({ min: 1, max: 30 }), { nil: undefined }) }),
  fc.record({ _tag: fc.constant("ServerError" as const), count: fc.integer({ min: 1, max: 6 }), status: fc.constantFrom(500 as const, 502 as const, 503 as const, 504 as const) }),
  fc.record({ _tag: fc.constant("Slow" as const), count: fc.integer({ min: 1, max: 2 }), beyondTimeout: fc.boolean() }),
  fc.record({ _tag: fc.constant("Malformed" as const), count: fc.integer({ min: 1, max: 3 }), how: fc.constantFrom("truncated" as const, "wrong-shape" as const) }),
  fc.record({ _tag: fc.constant("ConnectionReset" as const), count: fc.integer({ min: 1, max: 6 }) }),
  fc.constant({ _tag: "ExpireAccessTokens" as const }),
  fc.constant({ _tag: "ExpireCursors" as const })
)

const interruption: fc.Arbitrary<Interruption> = fc.record({
  _tag: fc.constantFrom("DieBefore" as const, "DieInside" as const, "Interrupt" as const),
  commit: fc.integer({ min: 1, max: 4 })
})

export const scenario = (subject: Subject, options: { readonly maxSize: number; readonly maxRounds: number }): fc.Arbitrary<Scenario> =>
  fc.record({
    dataset: fc.record({
      seed: fc.integer({ min: 1, max: 1_000_000 }),
      size: fc.integer({ min: 0, max: options.maxSize }),
      missingEmailRatio: fc.double({ min: 0, max: 0.3, noNaN: true }),
      invalidEmailRatio: fc.double({ min: 0, max: 0.3, noNaN: true }),
      duplicateEmailRatio: fc.double({ min: 0, max: 0.3, noNaN: true }),
      sameTimeRun: fc.integer({ min: 1, max: 12 })
    }),
    pageSize: fc.integer({ min: 1, max: Math.min(25, subject.maxPageSize) }),
    batchCap: fc.integer({ min: 3, max: 60 }),
    rounds: fc.array(
      fc.record({
        mutations: fc.array(fc.record({ mutation: fc.constantFrom(...subject.mutations), pick: fc.nat() }), { maxLength: 6 }),
        faults: fc.array(fault, { maxLength: 3 }),
        interruption: fc.option(interruption, { nil: undefined }),
        unsubscribe: fc.array(fc.nat(), { maxLength: 2 }),
        syncs: fc.integer({ min: 1, max: 3 })
      }),
      { minLength: 1, maxLength: options.maxRounds }
    )
  })

/** Real milliseconds a slow answer takes: past the 30 s timeout once the driven clock runs at 100 ms a step, or merely slow. */
const slowMillis = (beyondTimeout: boolean) => (beyondTimeout ? 900 : 30)

const arm = (source: Source, proxy: ResetProxy.ResetProxy, f: Fault) => {
  switch (f._tag) {
    case "RateLimit":
      return void source.faults.rateLimitNext(f.count, f.retryAfterSeconds)
    case "ServerError":
      return void source.faults.failNext(f.count, f.status)
    case "Slow":
      return void source.faults.slowNext(f.count, slowMillis(f.beyondTimeout))
    case "Malformed":
      return void source.faults.malformNext(f.count, f.how)
    case "ConnectionReset":
      return proxy.resetNext(f.count)
    case "ExpireAccessTokens":
      return void source.faults.expireAccessTokens()
    case "ExpireCursors":
      return void source.faults.expireCursors()
  }
}

const normalized = (email: string | null): NormalizedEmail | undefined => {
  if (email === null || email.trim() === "") return undefined
  const result = Email.normalize(email)
  return Either.isRight(result) ? result.right : undefined
}

/**
 * A store whose k-th `commitPage` gives way as the interruption says. `onInterrupt` is told
 * when an `Interrupt` commit has written its page (the caller then interrupts the sync).
 */
const faultyStore = (
  store: StoreShape,
  sql: SqlClient.SqlClient,
  current: () => { readonly interruption: Interruption; readonly reached: Deferred.Deferred<void> } | undefined
): StoreShape => {
  let commits = 0
  return {
    ...store,
    commitPage: (write) =>
      Effect.suspend(() => {
        const armed = current()
        commits++
        if (armed === undefined || commits !== armed.interruption.commit) return store.commitPage(write)
        switch (armed.interruption._tag) {
          case "DieBefore":
            return Effect.die(new Error("injected: the database connection was lost before the page"))
          case "DieInside":
            // The real page write runs as a savepoint inside this transaction, which then fails: all of it rolls back.
            return sql.withTransaction(
              Effect.zipRight(store.commitPage(write), Effect.die(new Error("injected: the database connection was lost inside the page's transaction")))
            ).pipe(Effect.orDie)
          case "Interrupt":
            return Effect.tap(store.commitPage(write), () => Deferred.succeed(armed.reached, undefined))
        }
      }),
    // Counting restarts with each sync, so "the k-th commit" is the k-th of that sync.
    startRun: (importId, owner, now) => Effect.zipRight(Effect.sync(() => void (commits = 0)), store.startRun(importId, owner, now))
  }
}

export interface Outcome {
  readonly problems: ReadonlyArray<string>
  readonly syncs: number
  readonly faults: number
  readonly interruptions: number
}

let accounts = 0

/** Runs one scenario against a fresh account in `store` and checks the account against the source. */
export const run = (subject: Subject, s: Scenario, store: StoreShape, figures: Figures) =>
  Effect.scoped(Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const source = subject.make(s.dataset)
    const served = yield* serveFake(source.handlers)
    const proxy = yield* ResetProxy.make(served.url)
    const settings = Schema.decodeUnknownSync(subject.connector.settings)(source.settings(proxy.url, s.pageSize))
    let armed: { interruption: Interruption; reached: Deferred.Deferred<void> } | undefined
    const h = yield* makeHarness([{ connector: subject.connector, settings }], faultyStore(store, sql, () => armed))
    const accountId = `reliability-${process.pid}-${++accounts}` as AccountId
    const { importId, listId } = yield* h.createImport({ accountId, connector: subject.connector, name: "reliability", config: source.config() })

    // Every record version a sync could have seen: contacts may only come from these.
    const seen: Array<SourceRecord> = []
    const unsubscribed = new Set<string>()
    let syncs = 0
    let interruptions = 0
    const sync = Effect.gen(function*() {
      seen.push(...source.records())
      syncs++
      const current = armed
      if (current?.interruption._tag !== "Interrupt") return yield* h.sync(importId, s.batchCap)
      const fiber = yield* Effect.fork(h.sync(importId, s.batchCap))
      const ended = yield* Effect.raceFirst(Effect.as(Deferred.await(current.reached), false), Effect.as(Fiber.await(fiber), true))
      if (!ended) {
        interruptions++
        yield* Fiber.interrupt(fiber)
      }
    })

    for (const round of s.rounds) {
      for (const { mutation, pick } of round.mutations) source.mutate(mutation, pick)
      const contacts = yield* store.listContacts({ accountId, limit: 1_000_000 })
      for (const pick of round.unsubscribe) {
        const contact = contacts[pick % Math.max(1, contacts.length)]
        if (contact !== undefined && (yield* store.unsubscribe(accountId, contact.email, listId))) unsubscribed.add(contact.email)
      }
      for (const f of round.faults) arm(source, proxy, f)
      armed = round.interruption && { interruption: round.interruption, reached: yield* Deferred.make<void>() }
      for (let i = 0; i < round.syncs; i++) yield* sync
      if (armed !== undefined && round.interruption?._tag !== "Interrupt") interruptions++
      armed = undefined
    }

    // The faults stop; a bounded number of syncs must converge.
    source.faults.clear()
    proxy.clear()
    const faults = source.faults.faulted + proxy.resets()
    const bound = Math.ceil((s.dataset.size + s.rounds.reduce((n, r) => n + 2 * r.mutations.length, 0) + 1) / s.batchCap) + 2
    seen.push(...source.records())
    const runs = yield* h.syncUntilDone(importId, s.batchCap, bound)
    syncs += runs.length
    const problems: Array<string> = []
    const last = runs.at(-1)!
    if (last.outcome !== "caught-up") {
      problems.push(`not caught up after ${runs.length} syncs (bound ${bound}): ${runs.map((r) => `${r.outcome}${r.stopTag ? `/${r.stopTag}` : ""}`).join(", ")} — ${last.message}`)
    }
    problems.push(...(yield* verify(store, accountId, importId, listId, source.records(), seen, unsubscribed)))
    // With nothing changed at the source, syncs stop writing: the first may replay changes made
    // while the last listing was paged (a Google sync token dates from the listing's first page;
    // a replayed re-key moves its link) but adds nothing; the second writes nothing at all.
    const replay = yield* h.sync(importId, s.batchCap)
    const again = yield* h.sync(importId, s.batchCap)
    syncs += 2
    if (replay.counts.added > 0) problems.push(`a sync without source changes added ${replay.counts.added} contacts`)
    if (again.counts.added + again.counts.updated > 0) {
      problems.push(`a second sync without source changes wrote ${again.counts.added} new and ${again.counts.updated} updated contacts`)
    }
    figures.add("syncs", syncs)
    figures.add("faults", faults)
    figures.add("interruptions", interruptions)
    return { problems, syncs, faults, interruptions } satisfies Outcome
  }))

/**
 * The account equals the source: each valid record's normalized email is one contact, linked to
 * it, with the latest values; nothing else is there but earlier versions' addresses (contacts
 * stay when the source drops or changes them); skips are recorded; unsubscribes are kept.
 */
export const verify = (
  store: StoreShape,
  accountId: AccountId,
  importId: ImportId,
  listId: ListId,
  current: ReadonlyArray<SourceRecord>,
  seen: ReadonlyArray<SourceRecord>,
  unsubscribed: ReadonlySet<string>
) =>
  Effect.gen(function*() {
    const problems: Array<string> = []
    const contacts = yield* store.listContacts({ accountId, limit: 1_000_000 })
    const byEmail = new Map(contacts.map((c) => [c.email as string, c]))
    if (byEmail.size !== contacts.length) problems.push(`${contacts.length - byEmail.size} duplicate contact rows`)
    for (const c of contacts) if (normalized(c.email) !== c.email) problems.push(`contact email ${JSON.stringify(c.email)} is not in normal form`)

    const everValid = new Set<string>()
    const owners = new Map<string, Set<string>>()
    for (const r of seen) {
      const email = normalized(r.email)
      if (email === undefined) continue
      everValid.add(email)
      owners.set(email, (owners.get(email) ?? new Set()).add(r.externalId))
    }
    for (const c of contacts) if (!everValid.has(c.email)) problems.push(`contact ${c.email} matches no source record`)

    const fields = new Map((yield* store.listFields(accountId)).map((f) => [f.key, f.tag]))
    const valid = current.flatMap((r) => {
      const email = normalized(r.email)
      return email === undefined ? [] : [{ record: r, email }]
    })
    const links = yield* store.loadLinks(importId, valid.map((v) => v.record.externalId as never))
    for (const { email, record } of valid) {
      const contact = byEmail.get(email)
      if (contact === undefined) {
        problems.push(`missing: ${record.externalId} <${email}>`)
        continue
      }
      const link = links.get(record.externalId as never)
      if (link?.email !== email) problems.push(`${record.externalId} is linked to ${link?.email ?? "nothing"}, not ${email}`)
      const membership = contact.lists.find((l) => l.listId === listId)?.status
      const status = unsubscribed.has(email) ? "unsubscribed" : "active"
      if (membership !== status) problems.push(`${email} is ${membership ?? "in no list"} in the import's list, expected ${status}`)
      // Values are exact where one record ever had the address; shared ones take the last applied record's.
      if (record.values === undefined || owners.get(email)?.size !== 1) continue
      const v = record.values
      const expectSame = (what: string, actual: string | null | undefined, expected: string | null, keepsOld: boolean) => {
        // An empty source name or phone leaves the contact's as it was (docs/sync-rules.md).
        if ((expected === null || expected === "") && keepsOld) return
        // NUL bytes are dropped on write (Postgres text cannot hold them; docs/sync-rules.md).
        const stored = expected === null || expected === "" ? null : expected.replaceAll("\u0000", "")
        if ((actual ?? null) !== stored) {
          problems.push(`${email} ${what}: ${JSON.stringify(actual)}, source has ${JSON.stringify(expected)}`)
        }
      }
      expectSame("first name", contact.firstName, v.firstName, true)
      expectSame("last name", contact.lastName, v.lastName, true)
      expectSame("phone", contact.phone, v.phone, true)
      for (const [key, value] of Object.entries(v.fields)) expectSame(`field ${key}`, contact.fields[fields.get(key) ?? key], value, false)
    }
    for (const record of current) {
      if (normalized(record.email) !== undefined) continue
      const reason = record.email === null || record.email.trim() === "" ? "MissingEmail" : "InvalidEmail"
      const [skip] = yield* store.findSkips(accountId, record.externalId)
      if (skip?.reason !== reason) problems.push(`${record.externalId} (${JSON.stringify(record.email)}): last skip ${skip?.reason ?? "none"}, expected ${reason}`)
    }
    return problems
  })
