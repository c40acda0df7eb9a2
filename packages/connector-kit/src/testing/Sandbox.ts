/**
 * What `autoimport demo` needs from a connector's fake (runner/src/Demo.ts): the connector
 * package's `/fake` entry point exports `sandbox`, a function that serves the fake on a loopback
 * port with seeded data. The demo finds it through each connector it loads, so a connector with
 * a `/fake` entry appears in the demo without a change to the runner.
 */
import * as Effect from "effect/Effect"
import type * as Scope from "effect/Scope"
import type { AcceptanceFake } from "./Acceptance.js"
import { serveFake } from "./Server.js"

/** A fake serving on a loopback port until its scope closes. */
export interface RunningSandbox {
  readonly url: string
  /** The connector's (encoded) operator settings, pointing every URL at the served fake. */
  readonly settings: Readonly<Record<string, unknown>>
  /** An (encoded) example import config: valid credentials and criteria matching seeded records. */
  readonly config: () => unknown
  /** A few changes in the fake, as the demo makes while it runs: how many records were added and edited. */
  readonly change: () => { readonly added: number; readonly edited: number }
}

/** The `sandbox` export of a connector's `/fake` entry point. */
export type Sandbox = () => Effect.Effect<RunningSandbox, never, Scope.Scope>

/**
 * A sandbox from the connector's acceptance fake (a fresh seeded one each time), with the
 * settings the demo lays over the fake's own: larger pages, a brisk rate (a fake has no quota
 * to protect).
 */
export const sandboxOf = (make: () => AcceptanceFake, demoSettings: Readonly<Record<string, unknown>> = {}): Sandbox => () =>
  Effect.suspend(() => {
    const fake = make()
    return Effect.map(serveFake(fake.handlers), ({ url }) => ({
      url,
      settings: { ...(fake.settings(url) as Record<string, unknown>), ...demoSettings },
      config: () => fake.config(),
      change: () => ({ added: fake.add(2).length, edited: fake.edit(1).length })
    }))
  })

/** Whether a module's `sandbox` export can be one (a module is data from outside: checked before use). */
export const isSandbox = (value: unknown): value is Sandbox => typeof value === "function"
