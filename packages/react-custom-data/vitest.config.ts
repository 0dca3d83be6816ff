import { defineProject } from 'vitest/config'
import { jsdomWithServer, sourceConditions } from '../../vitest.shared.ts'

export default defineProject({
  ...sourceConditions,
  test: {
    name: 'react-custom-data',
    ...jsdomWithServer,
    include: ['src/**/*.test.{ts,tsx}'],
    env: { EXPECTED_REACT_MAJOR: '19' },
    // The type tests (*.test-d.tsx) run with TypeScript in this project only: types do not
    // change with the React version.
    typecheck: { enabled: true, include: ['src/**/*.test-d.tsx'], tsconfig: './tsconfig.json' },
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
