/** Where the commands log (stderr, so stdout carries only results). */
import * as Logger from "effect/Logger"

/** People get logfmt lines... */
export const textLogger = Logger.withConsoleError(Logger.logfmtLogger)
/** ...and the long-running process one JSON object per line, for log collectors. */
export const jsonLogs = Logger.replace(textLogger, Logger.withConsoleError(Logger.jsonLogger))
