import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    // The template's own acceptance test runs here, so every release scaffolds a proven connector.
    include: ["test/**/*.test.ts", "template/test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000
  }
})
