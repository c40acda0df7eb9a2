/** `autoimport imports delete`. */
import { type Domain, Store } from "@autoimport/core"
import * as Command from "@effect/cli/Command"
import * as Effect from "effect/Effect"
import * as Output from "../../Output.js"
import { type CommandContext, importId, inRunner, json, nothing } from "../shared.js"

export const make = <E, R>(ctx: CommandContext<E, R>) =>
  Command.make("delete", { id: importId, json }, ({ id, json }) =>
    inRunner(ctx, nothing, () =>
      Effect.gen(function*() {
        const store = yield* Store.Store
        yield* store.deleteImport(id as Domain.ImportId)
        yield* Output.result(json, { id, deleted: true }, () => `import ${id} deleted; the contacts it brought in stay`)
      }))).pipe(Command.withDescription("Delete an import: it stops syncing; the contacts it brought in stay"))
