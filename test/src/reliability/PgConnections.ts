/**
 * Cuts a child process's Postgres connections from the outside, as a database restart or a
 * network failure would, without touching any other session on the shared test server: the
 * process's sockets are found in /proc (Linux), and only the backends serving those client
 * ports are terminated.
 */
import * as SqlClient from "@effect/sql/SqlClient"
import * as Effect from "effect/Effect"
import { readdirSync, readFileSync, readlinkSync } from "node:fs"

/** Local TCP ports of `pid`'s connections to port 5432. */
const clientPorts = (pid: number): Array<number> => {
  const inodes = new Set<string>()
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))
      if (match) inodes.add(match[1]!)
    } catch {
      // closed meanwhile
    }
  }
  const ports: Array<number> = []
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const columns = line.trim().split(/\s+/)
      if (columns.length < 10) continue
      const [, local, remote] = columns
      if (inodes.has(columns[9]!) && parseInt(remote!.split(":")[1]!, 16) === 5432) ports.push(parseInt(local!.split(":")[1]!, 16))
    }
  }
  return ports
}

/** Terminates the backends serving `pid`; returns how many. */
export const terminate = (pid: number) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient.SqlClient
    const ports = clientPorts(pid)
    if (ports.length === 0) return 0
    const rows = yield* sql<{ terminated: boolean }>`SELECT pg_terminate_backend(pid) AS terminated FROM pg_stat_activity
      WHERE client_addr IS NOT NULL AND ${sql.in("client_port", ports)} AND pid <> pg_backend_pid()`
    return rows.filter((r) => r.terminated).length
  }).pipe(Effect.orDie)
