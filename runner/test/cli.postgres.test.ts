import { cliSuite } from "./support/cliSuite.js"

cliSuite("postgres")
