// `pnpm dev`: the demo's backend and its Vite app in one process, on one port, with one URL.
// The backend is mounted inside the Vite dev server, so the page talks to its own origin.
// package.json starts it with --max-http-header-size=65536, as the server's CLI listens: an access
// token carrying custom data near the 16 KiB cap is larger than Node's default header limit.
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { getRequestListener } from '@hono/node-server'
import {
  createLogger,
  createServerApiKey,
  createServer,
  loadAppFolder,
  openStore,
  systemClock,
  type StoreOptions,
} from '@react-custom-data/server'
import { createServer as createViteServer } from 'vite'

const demoDir = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const BACKEND_PATHS = ['/api/client/', '/api/admin/', '/.well-known/', '/health/']

const databaseUrl = process.env.DATABASE_URL
const dataDir = resolve(demoDir, '.data')
const storeOptions: StoreOptions = databaseUrl ? { databaseUrl } : { dataDir }

const store = await openStore(storeOptions)
const backend = await createServer({
  app: await loadAppFolder(resolve(demoDir, 'backend')),
  store,
  logger: createLogger((process.env.LOG_LEVEL as 'warn' | undefined) ?? 'warn'),
})
const handleBackend = getRequestListener(backend.fetch)
// A server API key for the admin API, new at each start (only its hash is stored): what
// `custom-data-server users ... --url` needs while this process holds the PGlite folder.
await store.query(
  `DELETE FROM users WHERE type = 'server' AND id IN (SELECT user_id FROM api_keys WHERE name = 'demo-dev')`,
)
const { key: adminKey } = await createServerApiKey(store, systemClock, {
  name: 'demo-dev',
  providerName: 'api-key',
})

const vite = await createViteServer({
  root: demoDir,
  configFile: resolve(demoDir, 'vite.config.ts'),
  clearScreen: false,
  logLevel: 'warn',
  server: {
    port: Number(process.env.PORT ?? 5173),
    host: process.env.HOST ?? 'localhost',
    // PGlite writes its files under .data at every change: nothing there is for Vite to watch.
    watch: { ignored: ['**/.data/**'] },
  },
  plugins: [
    {
      name: 'custom-data-backend',
      configureServer(server) {
        server.middlewares.use((req, res, next) => {
          if (BACKEND_PATHS.some((path) => req.url?.startsWith(path))) void handleBackend(req, res)
          else next()
        })
      },
    },
  ],
})
await vite.listen()

const url = vite.resolvedUrls?.local[0] ?? `http://localhost:${vite.config.server.port}/`
const where = databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${dataDir}`
process.stdout.write(
  `\n  Preferences demo: ${url}\n  (backend and app together; data in ${where}; Ctrl-C stops both)\n\n` +
    `  Change a signed-in user's theme from outside the app (every open tab follows at once):\n` +
    `  SERVER_API_KEY=${adminKey} node packages/server/bin/custom-data-server.js users set-data <user id> '{"theme":"dark"}' --url ${url}\n\n`,
)

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  await vite.close()
  await backend.close()
  await store.close()
  process.exit(0)
}
// `on`, not `once`: Ctrl-C reaches this process twice (from the terminal and relayed by tsx), and
// a second signal with no listener would kill it before it closed the store.
process.on('SIGINT', () => void stop())
process.on('SIGTERM', () => void stop())
