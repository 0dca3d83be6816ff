import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.ts'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'react-custom-data',
    environment: 'jsdom',
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
