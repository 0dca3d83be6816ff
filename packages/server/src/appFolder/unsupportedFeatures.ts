import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

// Parts of an App Services export this server does not run, and what to tell the user about each.
const UNSUPPORTED: readonly [folder: string, what: string][] = [
  ['sync', 'Device Sync is not supported'],
  ['triggers', 'triggers are not supported; their functions still load and can be called'],
  ['graphql', 'the GraphQL API is not supported'],
  ['http_endpoints', 'HTTPS endpoints are not supported'],
  ['hosting', 'static hosting is not supported; serve your front end elsewhere'],
  ['services', 'third-party services (legacy) are not supported'],
  ['log_forwarders', 'log forwarders are not supported; read the server log instead'],
]

/** One warning per unsupported part present in the app folder: never a crash for them. */
export const unsupportedFeatures = async (dir: string): Promise<string[]> => {
  const warnings: string[] = []
  for (const [folder, what] of UNSUPPORTED) {
    const entries = await readdir(join(dir, folder)).catch(() => [] as string[])
    if (entries.length > 0) warnings.push(`${join(dir, folder)}: ${what} (ignored)`)
  }
  return warnings
}
