import { fileURLToPath } from 'node:url'
import { defaultClientConditions, defaultServerConditions } from 'vite'

/**
 * Resolve workspace packages to their TypeScript source (the `source` export condition), so
 * tests never need a build first.
 */
export const sourceConditions = {
  resolve: { conditions: ['source', ...defaultClientConditions] },
  ssr: { resolve: { conditions: ['source', ...defaultServerConditions] } },
}

/**
 * The test environment of React suites that run the real server in the same process: jsdom,
 * with Node's module transform and Node's own typed arrays, TextEncoder and URL.
 */
export const jsdomWithServer = {
  environment: fileURLToPath(new URL('./vitest.jsdomServerEnvironment.ts', import.meta.url)),
  setupFiles: [fileURLToPath(new URL('./vitest.nodeGlobals.ts', import.meta.url))],
}
