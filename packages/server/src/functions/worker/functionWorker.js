// @ts-check
// The function worker: one thread of the function runtime's pool (createFunctionRuntime.ts). Plain
// JavaScript ES modules, so that Node, tsx, Vitest and the published build all run it as it is;
// type-checked against workerProtocol.ts, the message definitions the runtime uses too.
//
// Functions run in this thread's own realm, as Node modules do: their packages get the real
// Buffer, process, fetch and built-ins (under the policy of moduleLoader.js). What protects the
// server is the thread: a call that outlives its time limit, or exhausts the memory limit, has its
// worker stopped and replaced; an exception that escapes a function's callbacks fails its call and
// retires the worker; the server's own thread never runs function code. The worker is started with
// an empty environment, so the server's variables (DATABASE_URL, secrets) are not in
// `process.env`.
import { parentPort, workerData } from 'node:worker_threads'
import { BSON, EJSON, decode } from './appServicesBson.js'
import { utils } from './appServicesUtils.js'
import { createCallRunner } from './callRunner.js'
import { createCollectionClient } from './collectionClient.js'
import { createConsole, messageOf } from './consoleBridge.js'
import { createContextFactory } from './createContext.js'
import { createGlobalsKeeper } from './globalsKeeper.js'
import { createPackageResolver, installModulePolicy } from './moduleLoader.js'

/** @typedef {import('../workerProtocol.ts').WorkerSetup} WorkerSetup */
/** @typedef {import('../workerProtocol.ts').ToWorkerMessage} ToWorkerMessage */
/** @typedef {import('../workerProtocol.ts').FromWorkerMessage} FromWorkerMessage */
/** @typedef {import('./createContext.js').ContextConfig} ContextConfig */

const port = /** @type {import('node:worker_threads').MessagePort} */ (parentPort)
const setup = /** @type {WorkerSetup} */ (workerData)

/** @param {FromWorkerMessage} message */
const post = (message) => port.postMessage(message)

try {
  const globals = createGlobalsKeeper()
  installModulePolicy({ afterLoad: () => globals.adopt() })
  const resolver = createPackageResolver({ roots: setup.moduleRoots, appDir: setup.appDir })
  const runner = createCallRunner({
    functions: setup.functions,
    requireFrom: resolver.requireFrom,
    post,
    globals,
  })
  const collections = createCollectionClient(post)
  const config = /** @type {ContextConfig} */ (decode(setup.config))
  runner.useContext(
    createContextFactory({
      config,
      service: (frame, name) =>
        collections.service({ callId: frame.callId, system: frame.system }, name),
      execute: runner.execute,
    }),
  )
  const console = createConsole(post, runner.current)
  globals.install('BSON', BSON)
  globals.install('EJSON', EJSON)
  globals.install('utils', utils)
  globals.install('console', console)

  port.on('message', (/** @type {ToWorkerMessage} */ message) => {
    if (message.t === 'call') runner.run(message)
    else if (message.t === 'opResult') collections.settle(message)
  })
  // A promise a function left unhandled must not end the worker (Node's default): it is logged,
  // and the call it belonged to goes on.
  process.on('unhandledRejection', (reason) => {
    console.error(`unhandled rejection: ${messageOf(reason)}`)
  })
  // An exception thrown from a function's timer or callback, outside any promise: the runtime
  // fails the call with the message and replaces the worker, as whatever ran here is broken.
  process.on('uncaughtException', (error) => {
    post({ t: 'retire', id: runner.current()?.id ?? 0, reason: messageOf(error) })
  })
  post({ t: 'ready' })
} catch (error) {
  post({ t: 'failed', message: messageOf(error) })
}
