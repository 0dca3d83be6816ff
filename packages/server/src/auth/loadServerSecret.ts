import { randomBytes } from 'node:crypto'
import type { Clock } from '../Clock'
import type { Store } from '../store/Store'

/**
 * A random secret the server generates on first start and keeps in the store, so that every
 * instance sharing the database uses the same one (`INSERT ... ON CONFLICT DO NOTHING` settles a
 * race between instances starting together).
 */
export const loadServerSecret = async (
  store: Store,
  clock: Clock,
  name: string,
): Promise<Buffer> => {
  await store.query(
    `INSERT INTO server_secrets (name, value, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (name) DO NOTHING`,
    [name, randomBytes(32).toString('base64'), new Date(clock.now())],
  )
  const [row] = await store.query<{ value: string }>(
    'SELECT value FROM server_secrets WHERE name = $1',
    [name],
  )
  if (!row) throw new Error(`server secret ${name} vanished`)
  return Buffer.from(row.value, 'base64')
}
