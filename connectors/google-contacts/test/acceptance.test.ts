/**
 * The kit's acceptance suite: the cursor rules and error handling every connector must meet,
 * end to end with the engine and a real store (SQLite and Postgres; without a local Postgres
 * set AUTOIMPORT_ACCEPTANCE_DIALECTS=sqlite).
 */
import { runAcceptanceSuite } from "@autoimport/connector-kit/testing/Acceptance"
import { GoogleContacts } from "../src/index.js"
import { acceptanceFake, makeGoogleFake } from "../src/fake/index.js"

runAcceptanceSuite({ connector: GoogleContacts, makeFake: () => acceptanceFake(makeGoogleFake({ seed: 7, size: 120 })) })
