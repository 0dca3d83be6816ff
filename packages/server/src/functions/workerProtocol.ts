// The messages between the function runtime (createFunctionRuntime.ts, the server's thread) and
// its workers (worker/functionWorker.js). One definition for both sides: the runtime imports these
// types, and the worker's JavaScript names them in its JSDoc and is type-checked against them.
//
// BSON values cross as canonical EJSON text (`args`, `user`, results, collection arguments):
// structured cloning would turn an ObjectId or a Long into a plain object.
import type { FunctionRequest } from './FunctionRunner'

/** One function as a worker compiles it. */
export interface WorkerFunction {
  readonly name: string
  /** The file it came from: stack frames and `require` of relative paths start there. */
  readonly path: string
  /** The function body to compile: the file's source with its ES `import` lines made `require`s. */
  readonly code: string
  readonly runAsSystem: boolean
}

/** What every worker of one runtime starts with (`workerData`). */
export interface WorkerSetup {
  readonly functions: readonly WorkerFunction[]
  /** Canonical EJSON text of `{ app, environment, values, services }`, for `context`. */
  readonly config: string
  /**
   * Folders whose `node_modules` hold the app's packages, searched in this order:
   * `functions/` (package.json installs) and the unpacked `functions/node_modules.tar.gz`.
   */
  readonly moduleRoots: readonly string[]
  /** The app folder, named in the error for a package that is not installed. */
  readonly appDir: string
}

/** Runs one function. */
export interface CallMessage {
  readonly t: 'call'
  readonly id: number
  readonly name: string
  /** Canonical EJSON text of the argument array. */
  readonly args: string
  /** Canonical EJSON text of the `FunctionUser`; empty for the system user. */
  readonly user: string
  /** Rules do not apply (a system call, or a `run_as_system` function). */
  readonly system: boolean
  readonly request: FunctionRequest | null
}

/** The answer to an `OpMessage`. */
export interface OpResultMessage {
  readonly t: 'opResult'
  readonly op: number
  readonly ok: boolean
  /** Canonical EJSON text of the result, or JSON text of an `OpError`. */
  readonly value: string
}

export type ToWorkerMessage = CallMessage | OpResultMessage

/** An error a collection operation answered, safe to show the function. */
export interface OpError {
  readonly message: string
  readonly code?: string
}

/** One collection operation a function asked for, run by the server against the store. */
export interface CollectionOp {
  /** Asked for by a nested call of a `run_as_system` function. */
  readonly system: boolean
  readonly service: string
  readonly db: string
  readonly coll: string
  readonly action: string
  /** Canonical EJSON text of the argument array. */
  readonly args: string
}

export interface ReadyMessage {
  readonly t: 'ready'
}

export interface FailedMessage {
  readonly t: 'failed'
  readonly message: string
}

export interface OpMessage {
  readonly t: 'op'
  /** The call the operation belongs to. */
  readonly id: number
  readonly op: number
  readonly payload: CollectionOp
}

export type LogLevel = 'debug' | 'info' | 'warn' | 'error'

export interface LogMessage {
  readonly t: 'log'
  /** The call that logged, 0 outside any call. */
  readonly id: number
  readonly level: LogLevel
  /** The function that logged, empty outside any call. */
  readonly fn: string
  readonly text: string
}

export type DoneMessage =
  | {
      readonly t: 'done'
      readonly id: number
      readonly ok: true
      /** Canonical EJSON text of the return value. */
      readonly value: string
    }
  | {
      readonly t: 'done'
      readonly id: number
      readonly ok: false
      /** The error's message, as the caller may see it. */
      readonly message: string
    }

/**
 * The worker cannot be trusted any more (an exception escaped a function's callbacks): the runtime
 * fails the call running there (if it is `id`) with `reason` and replaces the worker.
 */
export interface RetireMessage {
  readonly t: 'retire'
  /** The call running when it happened, 0 for none. */
  readonly id: number
  readonly reason: string
}

export type FromWorkerMessage =
  ReadyMessage | FailedMessage | OpMessage | LogMessage | DoneMessage | RetireMessage
