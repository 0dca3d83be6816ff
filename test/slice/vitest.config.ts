import { defineProject } from 'vitest/config'
import { jsdomWithServer, sourceConditions } from '../../vitest.shared.ts'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'slice',
    ...jsdomWithServer,
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
