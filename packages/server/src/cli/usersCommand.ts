import { parseArgs } from 'node:util'
import { createHttpUserAdmin } from '../admin/createHttpUserAdmin'
import { createUserAdmin, type UserAdmin } from '../admin/createUserAdmin'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import { systemClock } from '../Clock'
import { createCollectionProvider } from '../collection/createCollectionProvider'
import { decodeEjson, encodeRelaxed } from '../ejson/ejsonCodec'
import { isServiceError } from '../errors/ServiceError'
import { openStore } from '../store/openStore'
import type { Store } from '../store/Store'
import type { CliCommand } from './CliCommand'
import {
  appDirOf,
  env,
  exitWithStartupError,
  fail,
  integer,
  print,
  STORE_OPTIONS,
  STORE_OPTIONS_USAGE,
  storeOptionsOf,
} from './cliSupport'

const OPTIONS = {
  ...STORE_OPTIONS,
  limit: { type: 'string' },
  after: { type: 'string' },
  url: { type: 'string' },
  key: { type: 'string' },
} as const

type UsersValues = ReturnType<typeof parseArgs<{ options: typeof OPTIONS }>>['values']

const USAGE = `  custom-data-server users list [--limit <n>] [--after <user-id>] --app <folder> [store options]
  custom-data-server users get-data <user-id> --app <folder> [store options]
  custom-data-server users set-data <user-id> <json> --app <folder> [store options]
  custom-data-server users disable <user-id> --app <folder> [store options]
  custom-data-server users delete <user-id> --app <folder> [store options]
  custom-data-server users <command> ... --url <server URL> --key <server API key>

Options of users:
${STORE_OPTIONS_USAGE}
  --limit <n>                    users listed at most (default 100)
  --after <user-id>              list the users created after this one
  --url <url>                    go through a running server's admin API      CUSTOM_DATA_SERVER_URL
  --key <key>                    a server API key for it (keys create)        SERVER_API_KEY

set-data sets the fields of <json> (e.g. '{"plan":"pro"}') in the user's custom-data document,
keeping the others, through the change feed: every open tab of that user sees it at once.`

const SUBCOMMANDS = ['list', 'get-data', 'set-data', 'disable', 'delete']

const parseJson = (text: string): unknown => {
  try {
    return decodeEjson(JSON.parse(text))
  } catch {
    return fail(`<json> is not valid JSON: ${text}`)
  }
}

const run = async (
  admin: UserAdmin,
  command: { readonly name: string; readonly args: string[] },
  values: UsersValues,
) => {
  const [userId = '', json] = command.args
  const subcommand = command.name
  switch (subcommand) {
    case 'list':
      for (const user of await admin.list({
        ...(values.limit !== undefined
          ? { limit: integer('--limit', values.limit, [1, 1000])! }
          : {}),
        ...(values.after !== undefined ? { after: values.after } : {}),
      })) {
        print(JSON.stringify(user))
      }
      return
    case 'get-data':
      print(JSON.stringify(encodeRelaxed(await admin.getData(userId))))
      return
    case 'set-data':
      print(JSON.stringify(encodeRelaxed(await admin.setData(userId, parseJson(json ?? '')))))
      return
    case 'disable':
      await admin.disable(userId)
      print(`disabled user ${userId}; its sessions are ended`)
      return
    case 'delete':
      await admin.delete(userId)
      print(`deleted user ${userId}`)
  }
}

/**
 * `custom-data-server users ...`: list users, read and set a user's custom data, disable or
 * delete a user, from outside the app (a back office, a payment webhook's script). Writes go
 * through the collection API and the change feed like any other, so on PostgreSQL a running
 * server's live streams carry them at once. Stop a PGlite server first (its folder is locked).
 */
const users = async (subcommand: string | undefined, args: string[], values: UsersValues) => {
  if (!SUBCOMMANDS.includes(subcommand ?? '')) {
    fail(subcommand ? `unknown users command "${subcommand}"` : 'missing users command')
  }
  if (subcommand !== 'list' && !args[0]) fail('<user-id> is required')
  if (subcommand === 'set-data' && args[1] === undefined) fail('<json> is required')
  const url = values.url ?? env('CUSTOM_DATA_SERVER_URL')
  if (url) {
    // A running server (which may hold a PGlite folder locked) does the work: its admin API.
    const key = values.key ?? env('SERVER_API_KEY')
    if (!key) fail('--key (or SERVER_API_KEY) is required with --url')
    try {
      await run(createHttpUserAdmin({ url, key: key! }), { name: subcommand!, args }, values)
    } catch (error) {
      if (!isServiceError(error) && !(error instanceof TypeError)) throw error
      process.stderr.write(`custom-data-server: ${error.message}\n`)
      process.exitCode = 1
    }
    return
  }
  const appDir = appDirOf(values)
  let store: Store
  let admin: UserAdmin
  try {
    const app = await loadAppFolder(appDir)
    store = await openStore(storeOptionsOf(values), { appId: app.appId })
    admin = createUserAdmin({
      store,
      clock: systemClock,
      customData: app.customUserData,
      // System access: rules do not apply, so values and functions are not needed. Without an
      // `announce`, the change feed's trigger NOTIFYs the servers at commit.
      collections: createCollectionProvider({
        store,
        dataSources: app.dataSources,
        customData: app.customUserData,
        values: {},
        customDataMaxBytes: 16 * 1024,
      }),
    })
  } catch (error) {
    return exitWithStartupError(error)
  }
  try {
    await run(admin, { name: subcommand!, args }, values)
  } catch (error) {
    if (!isServiceError(error)) throw error
    process.stderr.write(`custom-data-server: ${error.message}\n`)
    process.exitCode = 1
  } finally {
    await store.close()
  }
}

/** `custom-data-server users ...` */
export const usersCommand: CliCommand = {
  name: 'users',
  usage: USAGE,
  run: (argv) => {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: OPTIONS,
    })
    return users(positionals[0], positionals.slice(1), values)
  },
}
