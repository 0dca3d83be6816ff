import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// `pnpm test:consumer` (and `.ci/run`): kept out of `pnpm test`, whose projects are the
// `test/*/vitest.config.ts` files, because it builds two apps and installs from the registry.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    name: 'consumer',
    environment: 'node',
    include: ['consumer.test.ts'],
    // Each test installs and builds an app; the first run fills pnpm's store from the registry.
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
})
