import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The demo's backend app folder, the app most cross-package tests run against. */
export const demoAppDir: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../apps/demo/backend',
)
