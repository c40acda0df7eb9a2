/**
 * The setup page of R7, served at `/` by `autoimport run`: pick a service (with how many
 * imports each has), enter the import's settings, create it. It only talks to the admin API.
 */
export const setupPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>autoimport</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222 }
  table { border-collapse: collapse; width: 100% } td, th { text-align: left; padding: .3rem .6rem; border-bottom: 1px solid #ddd }
  textarea, input, select { font: inherit; width: 100%; box-sizing: border-box; margin: .2rem 0 .8rem }
  textarea { font-family: ui-monospace, monospace; min-height: 9rem }
  button { font: inherit; padding: .4rem 1rem } .error { color: #b00020; white-space: pre-wrap } .ok { color: #0a6b2d }
  .muted { color: #666 }
</style>
</head>
<body>
<h1>autoimport</h1>
<p class="muted">Admin token (only when the runner requires one): <input id="token" type="password" autocomplete="off"></p>
<h2>Services</h2>
<table><thead><tr><th>service</th><th>imports set up</th><th></th></tr></thead><tbody id="services"></tbody></table>
<p class="muted">One or two imports per service is usually enough; there is no limit.</p>
<h2>Set up an import</h2>
<form id="create">
  <label>Service <select id="connector" required></select></label>
  <label>Name <input id="name" required placeholder="e.g. Sales team's Google contacts"></label>
  <label>List <input id="list" placeholder="default: the service's name"></label>
  <label>Settings (JSON: credentials and criteria, see the connector's README)
    <textarea id="config" required>{}</textarea></label>
  <button>Create import</button> <span id="result"></span>
</form>
<h2>Imports</h2>
<table><thead><tr><th>id</th><th>name</th><th>service</th><th>status</th><th>last run</th><th>next run</th></tr></thead><tbody id="imports"></tbody></table>
<script>
const $ = (id) => document.getElementById(id)
$("token").value = sessionStorage.getItem("autoimport-token") || ""
$("token").onchange = () => { sessionStorage.setItem("autoimport-token", $("token").value); load() }
const api = async (path, init = {}) => {
  const headers = { "content-type": "application/json" }
  if ($("token").value) headers.authorization = "Bearer " + $("token").value
  const response = await fetch("/api" + path, { ...init, headers })
  const body = await response.json()
  if (!response.ok) throw new Error(body.error || response.statusText)
  return body
}
const cell = (text) => { const td = document.createElement("td"); td.textContent = text ?? "-"; return td }
const row = (...cells) => { const tr = document.createElement("tr"); tr.append(...cells); return tr }
async function load() {
  try {
    const { connectors } = await api("/connectors")
    $("services").replaceChildren(...connectors.map((c) => {
      const pick = document.createElement("button")
      pick.textContent = "Set up"
      pick.onclick = () => { $("connector").value = c.id; $("name").focus() }
      const action = document.createElement("td"); action.append(pick)
      return row(cell(c.name), cell(String(c.imports)), action)
    }))
    $("connector").replaceChildren(...connectors.map((c) => new Option(c.name, c.id)))
    const { imports } = await api("/imports")
    $("imports").replaceChildren(...imports.map((i) =>
      row(cell(i.id), cell(i.name), cell(i.connector), cell(i.statusReason ? i.status + ": " + i.statusReason : i.status), cell(i.lastRunAt), cell(i.nextRunAt))))
  } catch (e) { $("result").className = "error"; $("result").textContent = e.message }
}
$("create").onsubmit = async (event) => {
  event.preventDefault()
  $("result").textContent = ""
  try {
    const config = JSON.parse($("config").value)
    const body = { connector: $("connector").value, name: $("name").value, config, ...($("list").value ? { list: $("list").value } : {}) }
    const created = await api("/imports", { method: "POST", body: JSON.stringify(body) })
    $("result").className = "ok"; $("result").textContent = "import " + created.id + " created; its first sync starts now"
    load()
  } catch (e) { $("result").className = "error"; $("result").textContent = e.message }
}
load()
</script>
</body>
</html>
`
