import * as Effect from "effect/Effect"
export const run = (_: { cwd: string; env: Readonly<Record<string, string | undefined>>; exitAfterSync: boolean }) =>
  Effect.dieMessage("demo: not yet")
