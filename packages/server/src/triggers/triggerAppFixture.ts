import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'

/** What a test app with triggers holds. */
export interface TriggerAppSpec {
  /** `triggers/<name>.json` contents, by file name (without `.json`). */
  readonly triggers: Readonly<Record<string, unknown>>
  /** Function sources, by function name (all private, as App Services made trigger functions). */
  readonly functions: Readonly<Record<string, string>>
  /** `auth/custom_user_data.json`; default: custom data off. */
  readonly customUserData?: unknown
}

/** A function that records what it was called with in collection `t.log` (`{ trigger, arg }`). */
export const recordingFunction = (trigger: string): string => `
exports = async function (arg) {
  await context.services.get('mongodb-atlas').db('t').collection('log')
    .insertOne({ trigger: ${JSON.stringify(trigger)}, arg: arg === undefined ? null : arg })
}
`

/** Writes an app folder with anonymous and email/password logins; answers it and its removal. */
export const writeTriggerApp = async (
  spec: TriggerAppSpec,
): Promise<{ dir: string; remove(): Promise<void> }> => {
  const dir = await mkdtemp(join(tmpdir(), 'trigger-app-'))
  const files: Record<string, unknown> = {
    'realm_config.json': {
      config_version: 20210101,
      app_id: 'triggers-app-abcde',
      name: 'triggers-app',
    },
    'auth/providers.json': {
      'anon-user': { name: 'anon-user', type: 'anon-user', disabled: false },
      'local-userpass': {
        name: 'local-userpass',
        type: 'local-userpass',
        disabled: false,
        config: { autoConfirm: true },
      },
    },
    'functions/config.json': Object.keys(spec.functions).map((name) => ({
      name,
      private: true,
    })),
    ...(spec.customUserData ? { 'auth/custom_user_data.json': spec.customUserData } : {}),
  }
  for (const [name, trigger] of Object.entries(spec.triggers)) {
    files[`triggers/${name}.json`] = trigger
  }
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), JSON.stringify(content, null, 2))
  }
  for (const [name, source] of Object.entries(spec.functions)) {
    await writeFile(join(dir, 'functions', `${name}.js`), source)
  }
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) }
}
