import { defineConfig } from 'tsdown'

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts', 'src/testing/index.ts'],
  format: 'esm',
  dts: true,
  platform: 'node',
  sourcemap: true,
  // The function worker is plain JavaScript ES modules loaded by path at run time
  // (spawnFunctionWorker.ts: `worker/functionWorker.js` next to the bundle): the folder ships next
  // to the bundles as it is.
  copy: [{ from: 'src/functions/worker', to: 'dist' }],
})
