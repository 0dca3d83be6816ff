import { defineConfig } from 'tsdown'

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts', 'src/testing/index.ts'],
  format: 'esm',
  dts: true,
  platform: 'node',
  sourcemap: true,
  // The function worker and its sandbox runtime are plain JavaScript loaded by path at run time
  // (`new URL('./functionWorker.js', import.meta.url)`): they ship next to the bundles as they are.
  copy: ['src/functions/functionWorker.js', 'src/functions/sandboxRuntime.js'],
})
