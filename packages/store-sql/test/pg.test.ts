import { layerPgTest } from "../src/testing.js"
import { storeContract } from "./storeContract.js"

storeContract("Postgres", layerPgTest)
