import { builtinEnvironments, type Environment } from 'vitest/runtime'

/**
 * jsdom for React tests that also run the real server in their process, with modules transformed
 * as Vite does for Node (`ssr`): Vite's browser transform would rewrite the server's
 * `new URL('./x.js', import.meta.url)` into an http URL that Node's APIs cannot load.
 * Pair it with `vitest.nodeGlobals.ts` (see `jsdomWithServer` in `vitest.shared.ts`).
 */
export const jsdomServerEnvironment: Environment = {
  ...builtinEnvironments.jsdom,
  name: 'jsdom-server',
  viteEnvironment: 'ssr',
}

export default jsdomServerEnvironment
