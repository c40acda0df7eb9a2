/**
 * `@autoimport/runner`: the `autoimport` process and command line. The modules are exported for
 * embedding the runner and for tests; the executable is `bin.js`.
 */
export * as Cli from "./Cli.js"
export * as Config from "./Config.js"
export * as CredentialsKey from "./CredentialsKey.js"
export * as ExitCode from "./ExitCode.js"
export * as Imports from "./Imports.js"
export * as Http from "./Http.js"
export * as Metrics from "./Metrics.js"
export * as Output from "./Output.js"
export * as PluginLoader from "./PluginLoader.js"
export * as Scheduler from "./Scheduler.js"
export * as Secrets from "./Secrets.js"
export * as Setup from "./Setup.js"
export * as Views from "./Views.js"
