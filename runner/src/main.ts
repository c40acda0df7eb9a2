/**
 * The `autoimport` program, started by `bin.ts`. The only place that picks the HTTP transport (undici) and the
 * Node platform; everything below works on the abstract services.
 */
import * as NodeContext from "@effect/platform-node/NodeContext"
import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as path from "node:path"
import * as Cli from "./Cli.js"

const invocation: Cli.Invocation = {
  cwd: process.cwd(),
  env: process.env,
  command: `node ${shortest(process.argv[1] ?? "autoimport")}`
}

/** The script as the user would type it: relative when below the working directory. */
function shortest(script: string) {
  const relative = path.relative(process.cwd(), script)
  return relative.startsWith("..") ? script : relative
}

const main = Cli.run(invocation, process.argv).pipe(
  Effect.provide(NodeContext.layer),
  Effect.provide(NodeHttpClient.layerUndici)
)

NodeRuntime.runMain(main, {
  disableErrorReporting: true,
  // The CLI chooses its loggers (stderr; JSON for `run`).
  disablePrettyLogger: true,
  // The program returns its exit code; an interrupt (SIGTERM/SIGINT) is a clean shutdown.
  teardown: (exit, onExit) =>
    onExit(Exit.isSuccess(exit) ? Number(exit.value) : Cause.isInterruptedOnly(exit.cause) ? 0 : 1)
})
