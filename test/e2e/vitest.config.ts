import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.ts'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'e2e',
    environment: 'node',
    restoreMocks: true,
    testTimeout: 60_000,
    // The setup builds the demo with Vite and starts the server's CLI.
    hookTimeout: 180_000,
  },
})
