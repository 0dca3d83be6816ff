import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    projects: [
      'packages/*',
      // react-custom-data's tests again under React 18.
      'packages/react-custom-data/react18/vitest.config.ts',
      'apps/*',
      'test/*/vitest.config.ts',
    ],
  },
})
