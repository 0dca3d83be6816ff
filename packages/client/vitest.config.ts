import { defineProject } from 'vitest/config'
import { sourceConditions } from '../../vitest.shared.ts'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'client',
    environment: 'node',
    // Type tests (*.test-d.ts): realm-web code that must keep compiling against this client.
    typecheck: { enabled: true, include: ['src/**/*.test-d.ts'], tsconfig: './tsconfig.json' },
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
