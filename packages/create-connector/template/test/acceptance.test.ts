/**
 * The kit's acceptance suite: the cursor rules and error handling every connector must meet,
 * against the fake on a real port. Runs on SQLite and Postgres; without a local Postgres set
 * AUTOIMPORT_ACCEPTANCE_DIALECTS=sqlite.
 */
import { runAcceptanceSuite } from "@autoimport/connector-kit/testing/Acceptance"
import connector from "../src/index.js"
import { acceptanceFake, makeFake } from "../src/fake/index.js"

runAcceptanceSuite({ connector, makeFake: () => acceptanceFake(makeFake({ seed: 7, size: 60 })) })
