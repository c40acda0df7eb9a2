/** Child process: serves the benchmark fake and prints its URL as the first line of stdout. */
import { serve } from "./FakeServer.js"

serve().then((url) => process.stdout.write(JSON.stringify({ url }) + "\n"))
