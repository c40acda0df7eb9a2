/**
 * The kit's acceptance suite: the cursor rules and error handling every connector must meet,
 * end to end with the engine and a real store (SQLite and Postgres; without a local Postgres
 * set AUTOIMPORT_ACCEPTANCE_DIALECTS=sqlite).
 */
import { runAcceptanceSuite } from "@autoimport/connector-kit/testing/Acceptance"
import { acceptanceFake, makeAcceptanceShop } from "../src/fake/index.js"
import { connector } from "../src/index.js"

runAcceptanceSuite({ connector, makeFake: () => acceptanceFake(makeAcceptanceShop({ seed: 7, size: 120 })) })
