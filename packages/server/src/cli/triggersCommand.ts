import { parseArgs } from 'node:util'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import { openStore } from '../store/openStore'
import type { Store } from '../store/Store'
import {
  listFailedEvents,
  listTriggerStates,
  retryFailedEvent,
  skipFailedEvent,
} from '../triggers/triggerAdmin'
import type { CliCommand } from './CliCommand'
import {
  appDirOf,
  exitWithStartupError,
  fail,
  print,
  STORE_OPTIONS,
  STORE_OPTIONS_USAGE,
  storeOptionsOf,
} from './cliSupport'

const USAGE = `  custom-data-server triggers list --app <folder> [store options]
  custom-data-server triggers failed --app <folder> [store options]
  custom-data-server triggers retry <event> --app <folder> [store options]
  custom-data-server triggers skip <event> --app <folder> [store options]

Options of triggers:
${STORE_OPTIONS_USAGE}
  list: each trigger's state, events waiting, failed, lag (age of its oldest waiting event) and
  last error; failed: the events parked after their last attempt failed; retry: back in the queue
  with fresh attempts; skip: dropped, so an ordered trigger waiting on it goes on. One JSON line
  each. On PGlite, stop the server first (its data folder is locked); on PostgreSQL, run them
  beside the running servers.`

type Values = ReturnType<typeof parseArgs<{ options: typeof STORE_OPTIONS }>>['values']

const SUBCOMMANDS = ['list', 'failed', 'retry', 'skip']

const run = async (store: Store, subcommand: string, event: string | undefined): Promise<void> => {
  switch (subcommand) {
    case 'list':
      for (const state of await listTriggerStates(store)) {
        print(
          JSON.stringify({
            name: state.name,
            type: state.type,
            state: state.enabled ? (state.failed > 0 ? 'failing' : 'running') : 'disabled',
            pending: state.pending,
            failed: state.failed,
            lagSeconds: Math.round(state.lagSeconds * 1000) / 1000,
            lastError: state.lastError,
          }),
        )
      }
      return
    case 'failed':
      for (const failed of await listFailedEvents(store)) {
        print(
          JSON.stringify({
            event: failed.id,
            trigger: failed.trigger,
            attempts: failed.attempts,
            error: failed.error,
            createdAt: failed.createdAt.toISOString(),
            payload: JSON.parse(failed.payload) as unknown,
          }),
        )
      }
      return
    default: {
      const done =
        subcommand === 'retry'
          ? await retryFailedEvent(store, event ?? '')
          : await skipFailedEvent(store, event ?? '')
      if (!done) throw new Error(`no failed trigger event "${event}" (see "triggers failed")`)
      print(subcommand === 'retry' ? `event ${event} queued again` : `event ${event} skipped`)
    }
  }
}

const triggers = async (
  subcommand: string | undefined,
  event: string | undefined,
  values: Values,
): Promise<void> => {
  if (!SUBCOMMANDS.includes(subcommand ?? '')) {
    fail(subcommand ? `unknown triggers command "${subcommand}"` : 'missing triggers command')
  }
  if ((subcommand === 'retry' || subcommand === 'skip') && !event) {
    fail(`triggers ${subcommand} needs the event's id (see "triggers failed")`)
  }
  const appDir = appDirOf(values)
  let store: Store
  try {
    const app = await loadAppFolder(appDir)
    store = await openStore(storeOptionsOf(values), { appId: app.appId })
  } catch (error) {
    return exitWithStartupError(error)
  }
  try {
    await run(store, subcommand as string, event)
  } catch (error) {
    await store.close()
    if (error instanceof Error) fail(error.message)
    throw error
  }
  await store.close()
}

/** `custom-data-server triggers list|failed|retry <event>|skip <event>`: operators' view of triggers. */
export const triggersCommand: CliCommand = {
  name: 'triggers',
  usage: USAGE,
  run: (argv) => {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: STORE_OPTIONS,
    })
    return triggers(positionals[0], positionals[1], values)
  },
}
