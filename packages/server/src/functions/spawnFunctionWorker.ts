import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import type { AppConfig } from '../appFolder/AppConfig'
import { encodeCanonical } from '../ejson/ejsonCodec'
import type { FromWorkerMessage, WorkerSetup } from './workerProtocol'

export interface WorkerSetupOptions {
  readonly app: AppConfig
  readonly values: Readonly<Record<string, unknown>>
  readonly services: readonly string[]
  /** `FunctionModules.roots`: where the app's packages are. */
  readonly moduleRoots: readonly string[]
}

export const workerSetup = ({
  app,
  values,
  services,
  moduleRoots,
}: WorkerSetupOptions): WorkerSetup => ({
  functions: [...app.functions.values()].map(({ name, path, code, runAsSystem }) => ({
    name,
    path,
    code,
    runAsSystem,
  })),
  config: JSON.stringify(
    encodeCanonical({
      app: {
        id: app.appId,
        clientAppId: app.appId,
        name: app.name,
        projectId: '',
        deployment: { model: 'GLOBAL', providerRegion: '' },
        lastDeployed: '',
        hostingUri: '',
      },
      environment: app.environment,
      values,
      services,
    }),
  ),
  moduleRoots,
  appDir: app.dir,
})

// The worker is plain JavaScript in worker/ next to this file (copied next to the build's output
// by tsdown.config.ts), so no loader is needed in the worker, whatever runs the server. A path
// rather than a URL object: under jsdom (React tests) the global URL is jsdom's, not Node's.
const WORKER_PATH = join(dirname(fileURLToPath(import.meta.url)), 'worker', 'functionWorker.js')

export interface SpawnOptions {
  readonly setup: WorkerSetup
  /** V8's old-generation limit for the worker: what a function may allocate, roughly. */
  readonly memoryLimitMb: number
}

/** Starts one function worker and resolves once its sandbox is ready, or rejects saying why not. */
export const spawnFunctionWorker = (options: SpawnOptions): Promise<Worker> =>
  new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_PATH, {
      workerData: options.setup,
      // Nothing of the server's environment (secrets, DATABASE_URL) is visible in the worker.
      env: {},
      stdout: false,
      stderr: false,
      resourceLimits: {
        maxOldGenerationSizeMb: options.memoryLimitMb,
        maxYoungGenerationSizeMb: Math.max(4, Math.min(32, Math.floor(options.memoryLimitMb / 8))),
        stackSizeMb: 4,
      },
    })
    const onMessage = (message: FromWorkerMessage) => {
      if (message.t === 'ready') {
        cleanup()
        resolve(worker)
      } else if (message.t === 'failed') {
        cleanup()
        void worker.terminate()
        reject(new Error(`a function worker could not start: ${message.message}`))
      }
    }
    const onError = (error: Error) => {
      cleanup()
      reject(new Error(`a function worker could not start: ${error.message}`))
    }
    const onExit = (code: number) => {
      cleanup()
      reject(new Error(`a function worker exited with code ${code} while starting`))
    }
    const cleanup = () => {
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
    }
    worker.on('message', onMessage)
    worker.on('error', onError)
    worker.on('exit', onExit)
  })
