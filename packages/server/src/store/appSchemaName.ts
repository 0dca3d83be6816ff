import { createHash } from 'node:crypto'

/**
 * The PostgreSQL schema that holds one app's tables: `app_` and the app id, `-` written `_`
 * (`demo-abcde` → `app_demo_abcde`). An id that would not map back to itself that way (capitals,
 * `_`, other characters) or would pass PostgreSQL's 63-byte limit gets a hash of the exact id
 * in place of its tail, so two apps never share a schema.
 */
export const appSchemaName = (appId: string): string => {
  const plain = appId.replace(/-/g, '_')
  if (/^[a-z0-9-]+$/.test(appId) && plain.length <= 59) return `app_${plain}`
  const readable = appId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .slice(0, 40)
  const hash = createHash('sha256').update(appId).digest('hex').slice(0, 12)
  return `app_${readable}_${hash}`
}
