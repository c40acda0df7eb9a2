/**
 * How the commands print results as tables (`--json` prints the views themselves).
 */
import * as Output from "../Output.js"
import type * as Views from "../Views.js"

export const renderImports = (imports: ReadonlyArray<Views.ImportView>) =>
  Output.table(
    ["id", "name", "connector", "lists", "status", "last run", "next run"],
    imports.map((i) => [i.id, i.name, i.connector, i.lists.join(", "), i.deletedAt === null ? i.status : "deleted", Output.when(dateOf(i.lastRunAt)), i.deletedAt === null ? Output.when(dateOf(i.nextRunAt)) : null]),
    "(no imports yet: create one with `autoimport imports create <connector> --name <name> --config <json>`)"
  )

export const renderImport = (i: Views.ImportView) =>
  Output.details([
    ["id", i.id],
    ["name", i.name],
    ["connector", i.connector],
    ["lists", i.lists.join(", ")],
    ["status", i.statusReason ? `${i.status} (${i.statusReason})` : i.status],
    ["waiting for room", `${i.deferred} new contact(s) (contact limit)`],
    ["config", i.config === null ? `(${i.configNote})` : JSON.stringify(i.config)],
    ["last run", Output.when(dateOf(i.lastRunAt))],
    ["next run", i.nextRunAt === null ? "as soon as a runner sees it" : Output.when(dateOf(i.nextRunAt))],
    ["created", Output.when(dateOf(i.createdAt))]
  ])

export const renderHistory = (history: Views.RunHistory) => {
  const runs = renderRuns(history.runs)
  return history.deletedAt === null ? runs : `${deletedNote(history)}\n\n${runs}`
}

export const deletedNote = (history: Views.RunHistory) =>
  `import ${history.importId} ("${history.importName}") was deleted ${Output.when(dateOf(history.deletedAt))}; its runs and skips stay`

export const renderRuns = (runs: ReadonlyArray<Views.RunView>) => {
  const rows = Output.table(
    ["run", "started", "outcome", "fetched", "added", "updated", "unchanged", "skipped", "deferred", "why it stopped"],
    runs.map((r) => [
      r.id,
      Output.when(dateOf(r.startedAt)),
      r.resynced ? `${r.outcome} (full resync)` : r.outcome,
      r.fetched,
      r.added,
      r.updated,
      r.unchanged,
      r.skipped,
      r.deferred,
      r.message ?? (r.outcome === "caught-up" ? "caught up with the source" : null)
    ]),
    "(no runs yet)"
  )
  const skips = runs.flatMap((r) => (r.skips ?? []).map((s) => [r.id, s.externalId, s.reason, s.email, s.detail]))
  return runs.some((r) => r.skips !== undefined)
    ? `${rows}\n\nSkipped records:\n${Output.table(["run", "source id", "reason", "email", "detail"], skips)}`
    : rows
}

export const renderRunLine = (r: Views.RunView) =>
  `run ${r.id}: ${r.outcome} — fetched ${r.fetched}, added ${r.added}, updated ${r.updated}, unchanged ${r.unchanged}, skipped ${r.skipped}${r.deferred ? `, deferred ${r.deferred}` : ""}${r.message ? ` — ${Output.escape(r.message)}` : ""}`

export const renderContacts = (view: Views.ContactsView) => {
  const contacts = Output.table(
    ["email", "name", "phone", "lists", "fields"],
    view.contacts.map((c) => [
      c.email,
      [c.firstName, c.lastName].filter(Boolean).join(" "),
      c.phone,
      c.lists.map((l) => (l.status === "active" ? l.name : `${l.name} (${l.status})`)).join(", "),
      Object.entries(c.fields).map(([tag, value]) => `%${tag}%=${value}`).join(" ")
    ]),
    "(no contacts found)"
  )
  const more = view.total > view.contacts.length
    ? `\n\nshowing ${view.contacts.length} of ${view.total} contacts; \`--limit ${view.total}\` shows them all`
    : ""
  return view.skipped.length === 0
    ? contacts + more
    : `${contacts}${more}\n\nSkipped source records with this email (why a contact may be missing):\n${
      Output.table(["when", "import", "run", "source id", "reason", "detail"], view.skipped.map((s) => [Output.when(dateOf(s.at)), s.importId, s.runId, s.externalId, s.reason, s.detail]))
    }`
}

export const renderConnectors = (connectors: ReadonlyArray<Views.ConnectorView>) =>
  connectors.length === 0
    ? "(no connectors loaded)"
    : connectors.map((c) =>
      [
        Output.escape(`${c.name} (${c.id} ${c.version}) — ${c.imports} import${c.imports === 1 ? "" : "s"} set up`),
        `  deletions: ${Output.escape(c.deletions)}`,
        Output.table(["field", "custom field", "personalization tag"], c.fields.map((f) => [f.label, f.title, `%${f.tag}%`]))
          .split("\n").map((line) => `  ${line}`).join("\n")
      ].join("\n")
    ).join("\n\n")

export const dateOf = (iso: string | null) => (iso === null ? null : new Date(iso))
