import { defineConfig } from 'tsdown'

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts', 'src/testing/index.ts'],
  format: 'esm',
  dts: true,
  platform: 'node',
  sourcemap: true,
})
