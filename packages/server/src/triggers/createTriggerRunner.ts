import { randomBytes } from 'node:crypto'
import type { Logger } from 'pino'
import type {
  DatabaseTriggerConfig,
  ScheduledTriggerConfig,
  TriggerConfig,
} from '../appFolder/TriggerConfig'
import { decodeEjson } from '../ejson/ejsonCodec'
import type { ChangeFeed } from '../feed/createChangeFeed'
import type { FeedPosition } from '../feed/FeedPosition'
import type { FunctionRunner } from '../functions/FunctionRunner'
import type { Store } from '../store/Store'
import { compileEventFilter, type EventFilter } from './compileEventFilter'
import { parseCron } from './parseCron'
import { createCompletionQueue } from './createCompletionQueue'
import { pumpDatabaseTrigger } from './pumpDatabaseTrigger'
import { registerTriggers } from './registerTriggers'
import { lastTick, scheduleTick } from './scheduleTick'
import {
  claimEvents,
  claimOrderedEvents,
  failEvent,
  releaseEvents,
  renewLeases,
  type ClaimedEvent,
} from './triggerQueue'

/** How triggers are delivered; every field has a default. */
export interface TriggerOptions {
  /** Tries of one event before it is parked as failed. Default 5. */
  readonly maxAttempts: number
  /** The wait before the first retry, in ms; doubled for each further one. Default 1,000. */
  readonly retryBaseMs: number
  /** The longest wait between retries, in ms. Default 5 minutes. */
  readonly retryMaxMs: number
  /** How long a claimed event stays this process's without renewal, in seconds. Default 30. */
  readonly leaseSeconds: number
  /** Trigger functions this process runs at once. Default 16. */
  readonly concurrency: number
  /** Look for due retries, lapsed leases and missed wake-ups this often, in ms. Default 1,000. */
  readonly pollIntervalMs: number
  /**
   * How deep a chain of database triggers may go: an event written by a trigger function that ran
   * for an event written by a trigger function... A trigger whose function writes to what it
   * watches ran forever on App Services; here an event past this depth is not delivered, and the
   * log names the trigger. Default 10.
   */
  readonly maxChainDepth: number
}

export const DEFAULT_TRIGGER_OPTIONS: TriggerOptions = {
  maxAttempts: 5,
  retryBaseMs: 1000,
  retryMaxMs: 5 * 60 * 1000,
  leaseSeconds: 30,
  concurrency: 16,
  pollIntervalMs: 1000,
  maxChainDepth: 10,
}

export interface TriggerRunnerOptions {
  readonly store: Store
  readonly feed: ChangeFeed
  readonly functions: FunctionRunner
  readonly logger: Logger
  readonly triggers: readonly TriggerConfig[]
  readonly options?: Partial<TriggerOptions>
}

/** The app's triggers, running in this process. */
export interface TriggerRunner {
  /** Look for work now (the runner also wakes itself on the feed and on a timer). */
  wake(): void
  /** Stops claiming; waits for the functions running to end. Their events stay leased and return. */
  close(): Promise<void>
}

// The events of an ordered trigger one claim takes (then runs one at a time, in order).
const ORDERED_BATCH = 64

const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : String(error)

/**
 * Starts delivering the app's enabled triggers from this process: database triggers from the
 * change feed (pumped into `trigger_events` in feed order), authentication events (queued by the
 * database in the user's own transaction, migration 150), and scheduled ticks. Every process on
 * one database runs one; they share the work through `trigger_events` claims.
 */
export const createTriggerRunner = async (
  runnerOptions: TriggerRunnerOptions,
): Promise<TriggerRunner> => {
  const { store, feed, functions, logger, triggers } = runnerOptions
  const options = { ...DEFAULT_TRIGGER_OPTIONS, ...runnerOptions.options }
  const dropped = await registerTriggers(store, feed, triggers)
  if (dropped > 0) {
    logger.warn({ events: dropped }, 'dropped the queued events of triggers no longer in the app')
  }
  const enabled = triggers.filter((trigger) => !trigger.disabled)
  const byName = new Map(enabled.map((trigger) => [trigger.name, trigger]))
  const database = enabled.filter((t): t is DatabaseTriggerConfig => t.type === 'DATABASE')
  const filters = new Map<string, EventFilter>(
    database.map((trigger) => [trigger.name, compileEventFilter(trigger)]),
  )
  const names = enabled.map((trigger) => trigger.name)
  // Authentication and scheduled triggers have no order to keep.
  const unordered = enabled
    .filter((trigger) => trigger.type !== 'DATABASE' || trigger.unordered)
    .map((trigger) => trigger.name)
  const holder = randomBytes(8).toString('hex')
  // Delivery tasks by key (an unordered event's id, an ordered trigger's name), the events whose
  // leases this process renews, and the ordered triggers with a task running.
  const tasks = new Map<string, Promise<void>>()
  const held = new Set<string>()
  const busy = new Set<string>()
  const ordered = names.filter((name) => !unordered.includes(name))
  // Each database trigger's cursor as this process last saved it.
  const positions = new Map<string, FeedPosition>()
  const recorder = createCompletionQueue(store, holder)
  let closed = false
  let wakeAgain = false
  // Whether the feed may have grown since the last pump: a finished delivery only frees a slot.
  let feedMoved = true
  let loop: Promise<void> | undefined

  /**
   * Runs the function for one event; answers whether it succeeded. Its completion is recorded
   * without waiting (`completions`): the next event of an ordered trigger need not wait for it,
   * the lease keeps the event this process's meanwhile, and the task awaits them all at its end.
   */
  const deliver = async (event: ClaimedEvent, completions: Promise<void>[]): Promise<boolean> => {
    const trigger = byName.get(event.trigger)
    if (!trigger) return false
    const payload = decodeEjson(JSON.parse(event.payload))
    try {
      if (event.depth >= options.maxChainDepth) {
        // Completed, not failed: a retry would only loop again.
        logger.error(
          { trigger: trigger.name, function: trigger.functionName, event: event.id },
          `trigger ${trigger.name}: event ${event.id} was written by a chain of ${event.depth} trigger functions (the limit is ${options.maxChainDepth}); the chain stops here and the event is not delivered. A trigger whose function writes to what it watches loops: give its match a condition its own writes do not meet`,
        )
      } else {
        await functions.call({
          name: trigger.functionName,
          args: payload === null ? [] : [payload],
          user: null,
          triggerDepth: event.depth + 1,
        })
      }
      completions.push(
        recorder
          .complete(event.id)
          .catch((error: unknown) =>
            logger.warn({ err: error, event: event.id }, 'triggers: could not record a delivery'),
          ),
      )
      return true
    } catch (error) {
      const retryInMs = Math.min(
        options.retryMaxMs,
        options.retryBaseMs * 2 ** Math.max(0, event.attempts - 1),
      )
      const parked = await failEvent(store, event, {
        holder,
        error: errorText(error),
        maxAttempts: options.maxAttempts,
        retryInSeconds: retryInMs / 1000,
      })
      const fields = {
        trigger: trigger.name,
        function: trigger.functionName,
        event: event.id,
        attempt: event.attempts,
        err: error,
      }
      if (parked) {
        logger.error(
          fields,
          `trigger ${trigger.name}: event ${event.id} failed ${event.attempts} times and is parked; run "custom-data-server triggers retry ${event.id}" or "skip ${event.id}"`,
        )
      } else {
        logger.warn(
          { ...fields, retryInMs },
          `trigger ${trigger.name}: event ${event.id} failed; retrying`,
        )
      }
      return false
    }
  }

  const work = async (): Promise<void> => {
    const pump = feedMoved && database.length > 0
    feedMoved = false
    for (const trigger of pump ? database : []) {
      const filter = filters.get(trigger.name) as EventFilter
      while (
        !closed &&
        (await pumpDatabaseTrigger(store, feed, { trigger, filter, known: positions }))
      ) {
        // More than one page waited (or another process moved the cursor): pump again.
      }
    }
    if (closed || names.length === 0) return
    // Ordered triggers: the next events of each, run one after the other by one task.
    for (const trigger of ordered) {
      if (busy.has(trigger) || tasks.size >= options.concurrency) continue
      const batch = await claimOrderedEvents(store, trigger, {
        holder,
        leaseSeconds: options.leaseSeconds,
        limit: ORDERED_BATCH,
      })
      if (batch.length === 0) continue
      busy.add(trigger)
      void track(trigger, batch, async () => {
        const completions: Promise<void>[] = []
        try {
          for (const [index, event] of batch.entries()) {
            if (closed || !(await deliver(event, completions))) {
              const rest = batch.slice(closed ? index : index + 1)
              await releaseEvents(
                store,
                rest.map((e) => e.id),
                holder,
              )
              return
            }
          }
        } finally {
          await Promise.all(completions)
        }
      }).finally(() => busy.delete(trigger))
    }
    const free = options.concurrency - tasks.size
    if (free <= 0 || unordered.length === 0) return
    const claimed = await claimEvents(store, {
      triggers: unordered,
      unordered,
      holder,
      leaseSeconds: options.leaseSeconds,
      limit: free,
    })
    for (const event of claimed) {
      void track(event.id, [event], async () => {
        const completions: Promise<void>[] = []
        await deliver(event, completions)
        await Promise.all(completions)
      })
    }
    // A full claim may have left more behind.
    if (claimed.length === free) wakeAgain = true
  }

  /** Runs a delivery task, holding the leases of its events until it ends. */
  const track = (
    key: string,
    events: readonly ClaimedEvent[],
    run: () => Promise<void>,
  ): Promise<void> => {
    for (const event of events) held.add(event.id)
    const task = run()
      .catch((error: unknown) => {
        logger.error({ err: error, trigger: events[0]?.trigger }, 'trigger delivery failed')
      })
      .finally(() => {
        for (const event of events) held.delete(event.id)
        tasks.delete(key)
        claimMore()
      })
    tasks.set(key, task)
    return task
  }

  /** The feed may have grown (a notification, the timer, a tick): pump, then claim. */
  const wake = (): void => {
    feedMoved = true
    claimMore()
  }

  /** Claim what is ready. */
  const claimMore = (): void => {
    if (closed) return
    if (loop) {
      wakeAgain = true
      return
    }
    loop = (async () => {
      do {
        wakeAgain = false
        try {
          await work()
        } catch (error) {
          feedMoved = true
          logger.error({ err: error }, 'triggers: could not read or claim events; trying again')
          await new Promise((resolve) => setTimeout(resolve, options.pollIntervalMs))
          wakeAgain = !closed
        }
      } while (wakeAgain && !closed)
    })().finally(() => {
      loop = undefined
    })
  }

  const timers: NodeJS.Timeout[] = []
  const unsubscribe = names.length > 0 ? await feed.subscribe(wake) : () => {}
  if (names.length > 0) {
    timers.push(setInterval(wake, options.pollIntervalMs))
    timers.push(
      setInterval(
        () => {
          renewLeases(store, [...held], { holder, leaseSeconds: options.leaseSeconds }).catch(
            (error: unknown) => logger.warn({ err: error }, 'triggers: could not renew leases'),
          )
        },
        (options.leaseSeconds * 1000) / 3,
      ),
    )
  }
  const scheduled = enabled.filter((t): t is ScheduledTriggerConfig => t.type === 'SCHEDULED')
  const tickTimers = new Map<string, NodeJS.Timeout>()
  const planTick = (trigger: ScheduledTriggerConfig): void => {
    if (closed) return
    const schedule = parseCron(trigger.schedule)
    const next = schedule.nextTick(new Date())
    // Timers fire early or late by a little: wait for the minute to begin, then claim that tick.
    const timer = setTimeout(
      () => {
        scheduleTick(store, trigger.name, next)
          .then((queued) => {
            if (queued) wake()
          })
          .catch((error: unknown) =>
            logger.error({ err: error, trigger: trigger.name }, 'triggers: could not queue a tick'),
          )
          .finally(() => planTick(trigger))
      },
      Math.max(0, next.getTime() - Date.now() + 5),
    )
    tickTimers.set(trigger.name, timer)
  }
  for (const trigger of scheduled) {
    const schedule = parseCron(trigger.schedule)
    // A tick missed while no server ran runs once now, unless skip_catchup_events says not to.
    const last = await lastTick(store, trigger.name)
    if (last && !trigger.skipCatchupEvents) {
      const missed = schedule.nextTick(last)
      if (missed.getTime() <= Date.now()) await scheduleTick(store, trigger.name, missed)
    }
    planTick(trigger)
  }
  wake()

  return {
    wake,
    async close() {
      closed = true
      for (const timer of timers) clearInterval(timer)
      for (const timer of tickTimers.values()) clearTimeout(timer)
      unsubscribe()
      await loop
      await Promise.allSettled([...tasks.values()])
    },
  }
}
