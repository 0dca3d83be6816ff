import { fileURLToPath } from 'node:url'
import react from '@vitejs/plugin-react'
import { defaultClientConditions, defineConfig } from 'vite'

export default defineConfig({
  plugins: [react()],
  // Workspace packages resolve to their TypeScript source: no build step before `pnpm dev`.
  resolve: { conditions: ['source', ...defaultClientConditions] },
  // Two pages: the app, and the page the "Sign in with ..." popup comes back to.
  build: {
    rollupOptions: {
      input: {
        main: fileURLToPath(new URL('index.html', import.meta.url)),
        authCallback: fileURLToPath(new URL('auth-callback.html', import.meta.url)),
      },
    },
  },
})
