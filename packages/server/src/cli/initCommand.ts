import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { appTemplate } from './appTemplate'
import type { CliCommand } from './CliCommand'
import { fail, print } from './cliSupport'

const OPTIONS = {
  'app-id': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const

const USAGE = `  custom-data-server init <folder> [--app-id <id>]

Options of init (writes a new app folder: anonymous and email/password logins, custom user data
on, the writeCustomUserData function; refuses a folder that holds anything):
  --app-id <id>                  the app id clients pass (default: the folder's name)`

// Letters, digits, `-` and `_`: an app id travels in every URL path (`/app/{appId}/...`).
const APP_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

/** The default app id: the folder's name, lower-cased, every other character a `-`. */
const appIdOfFolder = (folder: string): string => {
  const id = basename(folder)
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^[-_]+|[-_]+$/g, '')
    .slice(0, 64)
  return id === '' ? 'my-app' : id
}

/** A path as a shell word: as it is when it is plain, else single-quoted. */
const shellWord = (path: string): string =>
  /^[\w./-]+$/.test(path) ? path : `'${path.replaceAll("'", `'\\''`)}'`

/** Whether `path` is missing or an empty directory; false for a file or a folder with entries. */
const isFreeForApp = async (path: string): Promise<boolean> => {
  try {
    return (await readdir(path)).length === 0
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return true
    if (code === 'ENOTDIR') return false
    throw error
  }
}

/**
 * Writes the template into `target` (missing or empty). A failure half-way (a full disk) takes back
 * what was written, so no half-made app folder is left behind.
 */
const writeApp = async (target: string, files: ReadonlyMap<string, string>): Promise<void> => {
  const created = (await mkdir(target, { recursive: true })) !== undefined
  try {
    for (const [path, content] of files) {
      await mkdir(dirname(join(target, path)), { recursive: true })
      await writeFile(join(target, path), content, { flag: 'wx' })
    }
  } catch (error) {
    if (created) await rm(target, { recursive: true, force: true })
    else {
      // The folder was empty: everything in it now is ours.
      for (const entry of await readdir(target)) {
        await rm(join(target, entry), { recursive: true, force: true })
      }
    }
    throw error
  }
}

const init = async (folder: string | undefined, appIdFlag: string | undefined): Promise<void> => {
  if (folder === undefined) return fail('init needs a folder: custom-data-server init <folder>')
  const target = resolve(folder)
  const appId = appIdFlag ?? appIdOfFolder(target)
  if (!APP_ID.test(appId)) {
    return fail(
      `--app-id must be 1 to 64 letters, digits, "-" or "_", starting with a letter or digit, got "${appId}"`,
    )
  }
  if (!(await isFreeForApp(target))) {
    // Not a usage mistake: the command was right, the place is taken. Nothing is written.
    process.stderr.write(
      `custom-data-server: ${target} already exists and is not an empty folder; nothing was written. Choose a new folder.\n`,
    )
    process.exitCode = 1
    return
  }
  await writeApp(target, appTemplate(appId))
  const shown = shellWord(relative(process.cwd(), target) || '.')
  print(`Created the app folder ${shown} (app id "${appId}").`)
  print('')
  print('Serve it (PGlite keeps the data in .data; Ctrl-C stops it):')
  print(`  npx @react-custom-data/server start --app ${shown} --data .data`)
  print('')
  print('Then point your app at it:')
  print(`  <AppProvider id="${appId}" baseUrl="http://localhost:8080">`)
}

/** `custom-data-server init <folder>`: a new app folder, so a project needs no App Services export. */
export const initCommand: CliCommand = {
  name: 'init',
  usage: USAGE,
  run: (argv) => {
    const { values, positionals } = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: OPTIONS,
    })
    if (positionals.length > 1) fail(`init takes one folder, got ${positionals.length}`)
    return init(positionals[0], values['app-id'])
  },
}
