export * as Credentials from "./Credentials.js"
export * as SqlStore from "./SqlStore.js"
export { generateKey } from "./Credentials.js"
