import { defineConfig } from 'tsdown'

export default defineConfig({
  // The redirect flow is an entry of its own: apps without social logins do not ship it.
  entry: { index: 'src/index.ts', 'redirect/index': 'src/redirect/index.ts' },
  format: 'esm',
  dts: true,
  platform: 'neutral',
  sourcemap: true,
})
