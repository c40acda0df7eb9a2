/**
 * `@autoimport/connector-hubspot`: the default export is the connector the runner loads.
 */
import { HubSpot } from "./HubSpot.js"

export { accountKey, Config, Cursor, HubSpot, OAuthCredentials, PortalId, PrivateAppCredentials, Settings } from "./HubSpot.js"
export default HubSpot
