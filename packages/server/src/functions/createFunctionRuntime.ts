import { availableParallelism } from 'node:os'
import type { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { AppConfig } from '../appFolder/AppConfig'
import { callCollectionAction } from '../collection/callCollectionAction'
import type { CollectionProvider } from '../collection/createCollectionProvider'
import { decodeEjson, encodeCanonical } from '../ejson/ejsonCodec'
import { ErrorCode, isServiceError, ServiceError } from '../errors/ServiceError'
import type { FunctionCall, FunctionRunner } from './FunctionRunner'
import { spawnFunctionWorker, workerSetup } from './spawnFunctionWorker'

/** The limits of the function runtime. Every one can be set in `createServer({ functionLimits })`. */
export interface FunctionLimits {
  /** Wall-clock limit of one call (nested calls included), in milliseconds. Default 60,000. */
  readonly timeLimitMs: number
  /** Memory limit of each worker (V8's old generation), in MB. Default 256. */
  readonly memoryLimitMb: number
  /** Worker threads; each runs one call at a time. Default: twice the CPUs, from 2 to 8. */
  readonly workers: number
  /** Calls running or waiting, in all; past it, calls fail with `TooManyRequests`. Default 200. */
  readonly maxConcurrentCalls: number
  /** Calls running or waiting for one user; past it, `TooManyRequests`. Default 10. */
  readonly maxConcurrentCallsPerUser: number
}

export const DEFAULT_FUNCTION_LIMITS: FunctionLimits = {
  timeLimitMs: 60_000,
  memoryLimitMb: 256,
  workers: Math.max(2, Math.min(8, 2 * availableParallelism())),
  maxConcurrentCalls: 200,
  maxConcurrentCallsPerUser: 10,
}

export interface FunctionRuntimeOptions {
  readonly app: AppConfig
  readonly collections: CollectionProvider
  readonly logger: Logger
  /** `context.values`: the app's values with secrets resolved. */
  readonly values: Readonly<Record<string, unknown>>
  readonly limits?: Partial<FunctionLimits>
}

interface Job {
  readonly id: number
  readonly call: FunctionCall
  readonly system: boolean
  readonly message: Readonly<Record<string, unknown>>
  readonly userKey: string | undefined
  readonly ops: Set<Promise<void>>
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  readonly queuedAt: number
  timer?: ReturnType<typeof setTimeout>
  settled: boolean
}

interface Slot {
  readonly worker: Worker
  job: Job | undefined
  retired: boolean
}

const LOG_LEVELS = new Set(['debug', 'info', 'warn', 'error'])
const ARG_LOG_CHARS = 2000

/**
 * The function runtime: a pool of worker threads, each with one sandbox, that runs App Services
 * functions one call per worker at a time. A call that outlives `timeLimitMs` has its worker
 * terminated (the call fails with `ExecutionTimeLimitExceeded`, a fresh worker takes its place);
 * a worker that exhausts `memoryLimitMb` fails its call the same way; the server's own thread
 * never runs function code, so it keeps answering everyone else. Collection calls travel to this
 * thread as messages and run against the store with the caller's rules.
 */
export const createFunctionRuntime = async (
  options: FunctionRuntimeOptions,
): Promise<FunctionRunner> => {
  const { app, collections, logger } = options
  const limits: FunctionLimits = { ...DEFAULT_FUNCTION_LIMITS, ...options.limits }
  for (const [name, value] of Object.entries(limits)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new Error(`functionLimits.${name} must be a positive integer, got ${String(value)}`)
    }
  }
  const setup = workerSetup({ app, values: options.values, services: collections.services })
  // Only a function configured to run as system may lift a nested call to system access.
  const anySystemFunction = [...app.functions.values()].some((fn) => fn.runAsSystem)

  const slots: Slot[] = []
  const queue: Job[] = []
  const perUser = new Map<string, number>()
  let inFlight = 0
  let nextJob = 1
  let closed = false

  const describe = (job: Job) => ({
    function: job.call.name,
    userId: job.call.user?.id ?? 'system',
  })

  const argsForLog = (job: Job): string => {
    if (app.functions.get(job.call.name)?.disableArgLogs) return '[redacted: disable_arg_logs]'
    const text = String(job.message.args)
    return text.length > ARG_LOG_CHARS ? `${text.slice(0, ARG_LOG_CHARS)}...` : text
  }

  const settle = (job: Job, error: ServiceError | undefined, value?: unknown): void => {
    if (job.settled) return
    job.settled = true
    clearTimeout(job.timer)
    inFlight -= 1
    if (job.userKey !== undefined) {
      const count = (perUser.get(job.userKey) ?? 1) - 1
      if (count === 0) perUser.delete(job.userKey)
      else perUser.set(job.userKey, count)
    }
    const fields = { ...describe(job), ms: Date.now() - job.queuedAt, args: argsForLog(job) }
    if (error) {
      logger.warn({ ...fields, code: error.code, error: error.message }, 'function call failed')
      job.reject(error)
    } else {
      logger.debug(fields, 'function call')
      job.resolve(value)
    }
  }

  /** Runs one collection operation a function asked for; answers EJSON, or an error safe to show. */
  const runOp = async (job: Job, payloadText: string): Promise<{ ok: boolean; value: string }> => {
    let where = 'a collection operation'
    try {
      const payload = JSON.parse(payloadText) as Record<string, unknown>
      const { service, db, coll, action } = payload
      if (
        typeof service !== 'string' ||
        typeof db !== 'string' ||
        typeof coll !== 'string' ||
        typeof action !== 'string' ||
        typeof payload.args !== 'string'
      ) {
        return {
          ok: false,
          value: JSON.stringify({
            message: 'malformed collection operation',
            code: ErrorCode.InvalidParameter,
          }),
        }
      }
      where = `${action} on ${db}.${coll}`
      const args = decodeEjson(JSON.parse(payload.args))
      const collection = collections.open({
        service,
        db,
        coll,
        user: job.call.user,
        system: job.system || (anySystemFunction && payload.system === true),
        caller: 'function',
        ...(job.call.onWrite ? { onWrite: job.call.onWrite } : {}),
        ...(job.call.request ? { request: { ...job.call.request } } : {}),
      })
      const result = await callCollectionAction(collection, action, Array.isArray(args) ? args : [])
      return { ok: true, value: JSON.stringify(encodeCanonical(result)) }
    } catch (error) {
      if (isServiceError(error)) {
        return { ok: false, value: JSON.stringify({ message: error.message, code: error.code }) }
      }
      // The store's own words (SQL, driver errors) stay in the log.
      logger.error(
        { ...describe(job), err: error, operation: where },
        'a collection operation failed',
      )
      return {
        ok: false,
        value: JSON.stringify({
          message: `${where} failed: internal error (see the server log)`,
          code: ErrorCode.InternalServerError,
        }),
      }
    }
  }

  const retire = (slot: Slot): void => {
    if (slot.retired) return
    slot.retired = true
    const index = slots.indexOf(slot)
    if (index >= 0) slots.splice(index, 1)
    void slot.worker.terminate()
    if (!closed) replace()
  }

  const fail = (slot: Slot, error: ServiceError): void => {
    const job = slot.job
    slot.job = undefined
    if (job) settle(job, error)
  }

  const attach = (worker: Worker): void => {
    const slot: Slot = { worker, job: undefined, retired: false }
    worker.on('message', (message: Record<string, unknown>) => {
      const job = slot.job
      if (message.t === 'op') {
        const op = message.op
        const reply = (ok: boolean, value: string) => {
          try {
            if (!slot.retired) worker.postMessage({ t: 'opResult', op, ok, value })
          } catch {
            // The worker is gone; its call has failed already.
          }
        }
        if (!job || job.id !== message.id) {
          reply(false, JSON.stringify({ message: 'the call this operation belongs to is over' }))
          return
        }
        const running = runOp(job, String(message.payload)).then((result) =>
          reply(result.ok, result.value),
        )
        job.ops.add(running)
        void running.finally(() => job.ops.delete(running))
      } else if (message.t === 'log') {
        const level = LOG_LEVELS.has(String(message.level)) ? (message.level as 'info') : 'info'
        logger[level](
          {
            function: message.fn || job?.call.name,
            userId: job?.call.user?.id ?? 'system',
            source: 'console',
          },
          String(message.text),
        )
      } else if (message.t === 'done' && job && job.id === message.id) {
        slot.job = undefined
        clearTimeout(job.timer)
        const outcome = String(message.value)
        // Writes the function started before returning finish before the caller hears back.
        void Promise.allSettled([...job.ops]).then(() => {
          try {
            if (message.ok === true) settle(job, undefined, decodeEjson(JSON.parse(outcome)))
            else {
              const { message: text } = JSON.parse(outcome) as { message?: unknown }
              settle(job, new ServiceError(ErrorCode.FunctionExecutionError, String(text)))
            }
          } catch (error) {
            logger.error({ ...describe(job), err: error }, 'a function answer could not be read')
            settle(
              job,
              new ServiceError(
                ErrorCode.InternalServerError,
                'the function answered something unreadable',
              ),
            )
          }
        })
        pump()
      }
    })
    worker.on('error', (error: Error & { code?: string }) => {
      const job = slot.job
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        fail(
          slot,
          new ServiceError(
            ErrorCode.FunctionExecutionError,
            `execution memory limit exceeded: "${job?.call.name ?? 'a function'}" needed more than ${limits.memoryLimitMb} MB`,
          ),
        )
      } else {
        logger.error({ err: error, function: job?.call.name }, 'a function worker failed')
        fail(
          slot,
          new ServiceError(
            ErrorCode.InternalServerError,
            'the function runtime failed while running this call',
          ),
        )
      }
      retire(slot)
    })
    worker.on('exit', () => {
      if (slot.retired) return
      fail(
        slot,
        new ServiceError(
          ErrorCode.InternalServerError,
          'the function worker stopped while running this call',
        ),
      )
      retire(slot)
    })
    slots.push(slot)
  }

  let respawnDelay = 100
  const replace = (): void => {
    spawnFunctionWorker({ setup, memoryLimitMb: limits.memoryLimitMb }).then(
      (worker) => {
        respawnDelay = 100
        if (closed) {
          void worker.terminate()
          return
        }
        attach(worker)
        pump()
      },
      (error: unknown) => {
        logger.error({ err: error }, 'a function worker could not be replaced; retrying')
        respawnDelay = Math.min(respawnDelay * 2, 10_000)
        setTimeout(() => !closed && replace(), respawnDelay).unref()
      },
    )
  }

  const pump = (): void => {
    for (const slot of slots) {
      if (queue.length === 0) return
      if (slot.job || slot.retired) continue
      const job = queue.shift() as Job
      slot.job = job
      const timeLimitMs = Math.min(limits.timeLimitMs, job.call.timeLimitMs ?? Infinity)
      job.timer = setTimeout(() => {
        if (slot.job !== job) return
        fail(
          slot,
          new ServiceError(
            ErrorCode.ExecutionTimeLimitExceeded,
            `execution time limit exceeded: "${job.call.name}" ran for more than ${timeLimitMs / 1000} s`,
          ),
        )
        retire(slot)
      }, timeLimitMs)
      slot.worker.postMessage(job.message)
    }
  }

  const started = await Promise.allSettled(
    Array.from({ length: Math.max(1, limits.workers) }, () =>
      spawnFunctionWorker({ setup, memoryLimitMb: limits.memoryLimitMb }),
    ),
  )
  const workers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []))
  const failure = started.find((result) => result.status === 'rejected')
  if (failure) {
    await Promise.all(workers.map((worker) => worker.terminate()))
    throw failure.reason
  }
  for (const worker of workers) attach(worker)

  return {
    has: (name) => app.functions.has(name),

    call(call) {
      const definition = app.functions.get(call.name)
      if (!definition) {
        return Promise.reject(
          new ServiceError(ErrorCode.FunctionNotFound, `function not found: '${call.name}'`),
        )
      }
      if (closed) {
        return Promise.reject(
          new ServiceError(ErrorCode.InternalServerError, 'the server is shutting down'),
        )
      }
      const userKey = call.user?.id
      if (inFlight >= limits.maxConcurrentCalls) {
        return Promise.reject(
          new ServiceError(
            ErrorCode.TooManyRequests,
            `too many function calls at once (${limits.maxConcurrentCalls}); try again shortly`,
          ).withRetryAfter(1),
        )
      }
      if (
        userKey !== undefined &&
        (perUser.get(userKey) ?? 0) >= limits.maxConcurrentCallsPerUser
      ) {
        return Promise.reject(
          new ServiceError(
            ErrorCode.TooManyRequests,
            `too many function calls at once for this user (${limits.maxConcurrentCallsPerUser}); try again shortly`,
          ).withRetryAfter(1),
        )
      }
      let args: string
      let user: string
      try {
        args = JSON.stringify(encodeCanonical([...call.args]))
        user = call.user ? JSON.stringify(encodeCanonical(call.user)) : ''
      } catch (error) {
        return Promise.reject(
          new ServiceError(
            ErrorCode.FunctionExecutionError,
            `the arguments cannot be sent to the function: ${(error as Error).message}`,
          ),
        )
      }
      const system = call.user === null || call.runAsSystem === true || definition.runAsSystem
      inFlight += 1
      if (userKey !== undefined) perUser.set(userKey, (perUser.get(userKey) ?? 0) + 1)
      return new Promise((resolve, reject) => {
        const id = nextJob
        nextJob += 1
        queue.push({
          id,
          call,
          system,
          message: {
            t: 'call',
            id,
            name: call.name,
            args,
            user,
            system,
            request: call.request ? JSON.stringify(call.request) : '',
          },
          userKey,
          ops: new Set(),
          resolve,
          reject,
          queuedAt: Date.now(),
          settled: false,
        })
        pump()
      })
    },

    async close() {
      if (closed) return
      closed = true
      for (const job of queue.splice(0)) {
        settle(job, new ServiceError(ErrorCode.InternalServerError, 'the server is shutting down'))
      }
      const workers = slots.splice(0)
      for (const slot of workers) {
        slot.retired = true
        fail(slot, new ServiceError(ErrorCode.InternalServerError, 'the server is shutting down'))
      }
      await Promise.all(workers.map((slot) => slot.worker.terminate()))
    },
  }
}
