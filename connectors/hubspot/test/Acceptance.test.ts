/**
 * The kit's acceptance suite: the cursor rules and error handling every connector must meet,
 * end to end with the engine and a real store (SQLite and Postgres; without a local Postgres
 * set AUTOIMPORT_ACCEPTANCE_DIALECTS=sqlite).
 */
import { runAcceptanceSuite } from "@autoimport/connector-kit/testing/Acceptance"
import { acceptanceFake, makeHubSpotFake } from "../src/fake/index.js"
import { HubSpot } from "../src/index.js"

// 30 contacts share one timestamp, so page (20) and batch boundaries fall inside it.
runAcceptanceSuite({ connector: HubSpot, makeFake: () => acceptanceFake(makeHubSpotFake({ seed: 7, size: 150, sameTimestamp: 30 })) })
