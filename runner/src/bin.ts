#!/usr/bin/env node
/**
 * The `autoimport` executable. Loading the program takes a moment (a second or more on a busy
 * machine); a SIGTERM or SIGINT in that time is a clean stop — nothing has been written yet —
 * so it exits 0 like a shutdown later on, not by the signal.
 */
const stopEarly = () => process.exit(0)
process.once("SIGTERM", stopEarly)
process.once("SIGINT", stopEarly)
await import("./main.js")
// The program's runtime handles the signals from here on.
process.off("SIGTERM", stopEarly)
process.off("SIGINT", stopEarly)
