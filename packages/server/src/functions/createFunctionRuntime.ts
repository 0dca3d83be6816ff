import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import type { Logger } from 'pino'
import type { AppConfig } from '../appFolder/AppConfig'
import type { CollectionProvider } from '../collection/createCollectionProvider'
import { decodeEjson, encodeCanonical } from '../ejson/ejsonCodec'
import { ErrorCode, ServiceError } from '../errors/ServiceError'
import { FairQueue } from './FairQueue'
import type { FunctionCall, FunctionRunner } from './FunctionRunner'
import { prepareFunctionModules } from './prepareFunctionModules'
import { runCollectionOp } from './runCollectionOp'
import { spawnFunctionWorker, workerSetup } from './spawnFunctionWorker'
import type { CallMessage, FromWorkerMessage, OpMessage, ToWorkerMessage } from './workerProtocol'

/** The limits of the function runtime. Every one can be set in `createServer({ functionLimits })`. */
export interface FunctionLimits {
  /** Wall-clock limit of one call (nested calls included), in milliseconds. Default 60,000. */
  readonly timeLimitMs: number
  /** Memory limit of each worker (V8's old generation), in MB. Default 256. */
  readonly memoryLimitMb: number
  /**
   * Worker threads; each runs one call at a time. Default: twice the CPUs, from 2 to 8. One user
   * runs at most all but one of them at once, and an equal share once others wait (`FairQueue`).
   */
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
  /**
   * Where `functions/node_modules.tar.gz` is unpacked (once per archive, shared by restarts).
   * Default: `custom-data-server/function-modules` in the system's temporary folder.
   */
  readonly modulesCacheDir?: string
}

interface Job {
  readonly id: number
  readonly call: FunctionCall
  readonly system: boolean
  readonly message: CallMessage
  readonly userKey: string | undefined
  /** Whose turn in the fair queue it takes: the user, or the system. */
  readonly owner: string
  readonly ops: Set<Promise<void>>
  readonly resolve: (value: unknown) => void
  readonly reject: (error: unknown) => void
  readonly queuedAt: number
  timer?: ReturnType<typeof setTimeout>
  /** Handed to a worker (and counted in the fair queue until it ends). */
  dispatched: boolean
  settled: boolean
}

interface Slot {
  readonly worker: Worker
  job: Job | undefined
  retired: boolean
}

const ARG_LOG_CHARS = 2000

/** Sends a message to a worker that may be gone; its call has failed already then. */
const send = (worker: Worker, message: ToWorkerMessage): void => {
  try {
    worker.postMessage(message)
  } catch {
    // The worker exited; nothing to tell it.
  }
}

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
  const modules = await prepareFunctionModules(
    app,
    options.modulesCacheDir ?? join(tmpdir(), 'custom-data-server', 'function-modules'),
  )
  for (const warning of modules.warnings) logger.warn(warning)
  const setup = workerSetup({
    app,
    values: options.values,
    services: collections.services,
    moduleRoots: modules.roots,
  })
  // Only a function configured to run as system may lift a nested call to system access.
  const anySystemFunction = [...app.functions.values()].some((fn) => fn.runAsSystem)

  const slots: Slot[] = []
  const queue = new FairQueue<Job>(limits.workers)
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

  /** The job's worker is free: its owner's share in the fair queue is too. */
  const release = (job: Job): void => {
    if (!job.dispatched) return
    job.dispatched = false
    queue.done(job.owner)
  }

  const settle = (job: Job, error: ServiceError | undefined, value?: unknown): void => {
    if (job.settled) return
    job.settled = true
    clearTimeout(job.timer)
    inFlight -= 1
    release(job)
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

  const retire = (slot: Slot): void => {
    if (slot.retired) return
    slot.retired = true
    const index = slots.indexOf(slot)
    if (index >= 0) slots.splice(index, 1)
    void slot.worker.terminate()
    if (closed) return
    replace()
    // The stopped call's share is free: another worker may take a waiting call meanwhile.
    pump()
  }

  const fail = (slot: Slot, error: ServiceError): void => {
    const job = slot.job
    slot.job = undefined
    if (job) settle(job, error)
  }

  /** Runs a collection operation for the call running on `slot`, and answers the worker. */
  const runOp = (slot: Slot, job: Job | undefined, message: OpMessage): void => {
    const reply = (ok: boolean, value: string) => {
      if (!slot.retired) send(slot.worker, { t: 'opResult', op: message.op, ok, value })
    }
    if (!job || job.id !== message.id) {
      reply(false, JSON.stringify({ message: 'the call this operation belongs to is over' }))
      return
    }
    const running = runCollectionOp(
      { collections, logger, anySystemFunction },
      { call: job.call, system: job.system },
      message.payload,
    ).then((outcome) => reply(outcome.ok, outcome.value))
    job.ops.add(running)
    void running.finally(() => job.ops.delete(running))
  }

  const attach = (worker: Worker): void => {
    const slot: Slot = { worker, job: undefined, retired: false }
    worker.on('message', (message: FromWorkerMessage) => {
      const job = slot.job
      if (message.t === 'op') runOp(slot, job, message)
      else if (message.t === 'log') {
        logger[message.level](
          {
            function: message.fn || job?.call.name,
            userId: job?.call.user?.id ?? 'system',
            source: 'console',
          },
          message.text,
        )
      } else if (message.t === 'done' && job && job.id === message.id) {
        slot.job = undefined
        clearTimeout(job.timer)
        release(job)
        // Writes the function started before returning finish before the caller hears back.
        void Promise.allSettled([...job.ops]).then(() => {
          if (!message.ok) {
            settle(job, new ServiceError(ErrorCode.FunctionExecutionError, message.message))
            return
          }
          try {
            settle(job, undefined, decodeEjson(JSON.parse(message.value)))
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
      } else if (message.t === 'retire') {
        logger.warn(
          { function: job?.call.name, reason: message.reason },
          'an exception escaped a function; its worker is replaced',
        )
        // A call sent meanwhile, which the exception did not come from, fails without its text.
        fail(
          slot,
          job?.id === message.id
            ? new ServiceError(ErrorCode.FunctionExecutionError, message.reason)
            : new ServiceError(
                ErrorCode.InternalServerError,
                'the function worker failed while running this call',
              ),
        )
        retire(slot)
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

  /** Hands waiting calls to free workers, in the fair queue's order. */
  const pump = (): void => {
    for (const slot of slots) {
      if (slot.job || slot.retired) continue
      const next = queue.take()
      if (!next) return
      const job = next.item
      job.dispatched = true
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
      send(slot.worker, job.message)
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
        const owner = userKey === undefined ? 'system' : `user:${userKey}`
        queue.push(owner, {
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
            request: call.request ?? null,
          },
          userKey,
          owner,
          ops: new Set(),
          resolve,
          reject,
          queuedAt: Date.now(),
          dispatched: false,
          settled: false,
        })
        pump()
      })
    },

    async close() {
      if (closed) return
      closed = true
      for (const job of queue.drain()) {
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
