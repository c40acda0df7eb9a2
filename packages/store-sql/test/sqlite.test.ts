import { layerSqliteTest } from "../src/testing.js"
import { storeContract } from "./storeContract.js"

storeContract("SQLite", layerSqliteTest)
