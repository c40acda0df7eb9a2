import { cliSuite } from "./support/cliSuite.js"

cliSuite("sqlite")
