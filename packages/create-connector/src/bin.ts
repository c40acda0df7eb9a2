#!/usr/bin/env node
/**
 * `create-autoimport-connector <id> [--dir <path>] [--name "<Service Name>"]`: exit 0 when the
 * package was written, 2 on bad input (nothing written), 1 when writing failed.
 */
import * as Effect from "effect/Effect"
import { parseCommandLine, scaffold, usage } from "./Scaffold.js"

const program = Effect.gen(function*() {
  const options = yield* parseCommandLine(process.argv.slice(2), process.cwd())
  if (options === "help") {
    console.log(usage)
    return
  }
  const files = yield* scaffold(options)
  console.log(`Created autoimport-connector-${options.id} (${options.name}) in ${options.dir}:`)
  for (const file of files) console.log(`  ${file}`)
  console.log(`\nNext: cd ${options.dir} && npm install && npm test\nThen replace the example API in src/index.ts and src/fake/ with your service's (see README.md).`)
})

Effect.runPromise(
  program.pipe(
    Effect.catchTags({
      UsageError: (e) => Effect.sync(() => {
        console.error(`create-autoimport-connector: ${e.message}\n\n${usage}`)
        process.exitCode = 2
      }),
      ScaffoldFailed: (e) => Effect.sync(() => {
        console.error(`create-autoimport-connector: ${e.message}`)
        process.exitCode = 1
      })
    })
  )
)
