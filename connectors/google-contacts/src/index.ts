/**
 * `@autoimport/connector-google-contacts`: the default export is the connector the runner loads.
 */
import { GoogleContacts } from "./GoogleContacts.js"

export { accountKey, Config, Cursor, GoogleContacts, personFields, Settings } from "./GoogleContacts.js"
export default GoogleContacts
