import { createRequire } from 'node:module'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineProject } from 'vitest/config'
import { jsdomWithServer, sourceConditions } from '../../../vitest.shared.ts'

// The same tests as ../vitest.config.ts, rendered by React 18: every import of React, and of the
// libraries that render with it, resolves to this folder's React 18 copies.
const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
const react18 = [
  'react',
  'react-dom',
  '@tanstack/react-query',
  '@testing-library/react',
  'zustand',
].map((name) => {
  const dir = dirname(require.resolve(`${name}/package.json`))
  const escaped = name.replace(/[/]/g, '\\/')
  return [
    { find: new RegExp(`^${escaped}$`), replacement: dir },
    { find: new RegExp(`^${escaped}/(.*)$`), replacement: `${dir}/$1` },
  ]
})

export default defineProject({
  ...sourceConditions,
  resolve: { ...sourceConditions.resolve, alias: react18.flat() },
  test: {
    name: 'react-custom-data (React 18)',
    ...jsdomWithServer,
    dir: resolve(here, '../src'),
    include: ['**/*.test.{ts,tsx}'],
    // The React version is what this run varies: the store stays PGlite (the React 19 run also
    // covers PostgreSQL when DATABASE_URL is set).
    env: { EXPECTED_REACT_MAJOR: '18', DATABASE_URL: '' },
    restoreMocks: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
})
