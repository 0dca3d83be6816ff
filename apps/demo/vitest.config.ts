import react from '@vitejs/plugin-react'
import { defineProject } from 'vitest/config'
import { jsdomWithServer, sourceConditions } from '../../vitest.shared.ts'

export default defineProject({
  ...sourceConditions,
  plugins: [react()],
  test: {
    name: 'demo',
    ...jsdomWithServer,
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
