import { Script, createContext } from 'node:vm'
import * as BSON from 'bson'
import type { Logger } from 'pino'
import type { AppConfig } from '../appFolder/AppConfig'
import { createCollection } from '../collection/createCollection'
import type { Store } from '../store/Store'
import type { FunctionCall, FunctionRunner } from './FunctionRunner'

export interface InProcessRunnerOptions {
  readonly app: AppConfig
  readonly store: Store
  readonly logger: Logger
}

/**
 * The foundation's function runtime: each call evaluates the App Services function source
 * (`exports = async function (...) {...}`) in a fresh `node:vm` context with a `context` object.
 * It isolates globals, not faults: the worker-thread runtime replaces it.
 */
export const createInProcessRunner = (options: InProcessRunnerOptions): FunctionRunner => {
  const { app, store, logger } = options
  const scripts = new Map<string, Script>()
  for (const fn of app.functions.values()) {
    scripts.set(fn.name, new Script(fn.source, { filename: fn.path }))
  }

  const runner: FunctionRunner = {
    has: (name) => scripts.has(name),

    async call({ name, args, user, onWrite }: FunctionCall) {
      const script = scripts.get(name)
      if (!script) throw new Error(`function not found: '${name}'`)
      const log = logger.child({ function: name })
      const context = {
        user: user ?? { id: '', type: 'system', data: {}, custom_data: {}, identities: [] },
        environment: { tag: '', values: {} },
        services: {
          get: (serviceName: string) =>
            serviceName === 'mongodb-atlas'
              ? {
                  db: (db: string) => ({
                    collection: (coll: string) => createCollection({ store, db, coll, onWrite }),
                  }),
                }
              : undefined,
        },
        functions: {
          execute: (target: string, ...rest: unknown[]) =>
            runner.call({ name: target, args: rest, user, onWrite }),
        },
        runningAsSystem: () => false,
      }
      const sandbox: Record<string, unknown> = {
        context,
        BSON,
        EJSON: BSON.EJSON,
        console: {
          log: (...items: unknown[]) => log.info({ args: items }, 'console.log'),
          info: (...items: unknown[]) => log.info({ args: items }, 'console.info'),
          warn: (...items: unknown[]) => log.warn({ args: items }, 'console.warn'),
          error: (...items: unknown[]) => log.error({ args: items }, 'console.error'),
        },
        exports: undefined,
        module: { exports: undefined },
      }
      script.runInContext(createContext(sandbox))
      const exported =
        typeof sandbox.exports === 'function'
          ? sandbox.exports
          : (sandbox.module as { exports: unknown }).exports
      if (typeof exported !== 'function') {
        throw new Error(`functions/${name}.js must assign a function to exports`)
      }
      return await (exported as (...a: unknown[]) => unknown)(...args)
    },

    close: () => Promise.resolve(),
  }
  return runner
}
