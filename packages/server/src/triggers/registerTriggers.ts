import type { TriggerConfig } from '../appFolder/TriggerConfig'
import type { ChangeFeed } from '../feed/createChangeFeed'
import type { Store } from '../store/Store'

/** The change-feed cursor of a database trigger. */
export const cursorNameOf = (trigger: string): string => `trigger:${trigger}`

const CURSOR_PREFIX = 'trigger:'

/**
 * Records the app's triggers in the database, where every server process and the
 * authentication-event functions of migration 150 see them: enabled database triggers get a
 * feed cursor (made at the feed's end the first time, moved there at each start with
 * `skip_catchup_events`); disabled ones and triggers gone from the folder lose theirs, so the feed
 * is not held back for them. Events queued for a trigger that no longer exists are dropped:
 * answers how many.
 */
export const registerTriggers = async (
  store: Store,
  feed: ChangeFeed,
  triggers: readonly TriggerConfig[],
): Promise<number> => {
  const latest = await feed.latestPosition()
  for (const trigger of triggers) {
    const enabled = !trigger.disabled
    await store.query(
      `INSERT INTO trigger_registry (name, type, operation_types, providers, enabled)
       VALUES ($1, $2, $3::text[], $4::text[], $5)
       ON CONFLICT (name) DO UPDATE SET type = excluded.type,
         operation_types = excluded.operation_types, providers = excluded.providers,
         enabled = excluded.enabled, updated_at = now()`,
      [
        trigger.name,
        trigger.type,
        trigger.type === 'DATABASE'
          ? [...trigger.operationTypes]
          : trigger.type === 'AUTHENTICATION'
            ? [trigger.operationType]
            : [],
        trigger.type === 'AUTHENTICATION' ? [...trigger.providers] : [],
        enabled,
      ],
    )
    if (trigger.type !== 'DATABASE') continue
    const cursor = cursorNameOf(trigger.name)
    if (!enabled) {
      await feed.cursors.delete(cursor)
      continue
    }
    await feed.cursors.register(cursor, latest)
    if (trigger.skipCatchupEvents) await feed.cursors.save(cursor, latest)
  }
  const names = triggers.map((trigger) => trigger.name)
  await store.query('DELETE FROM trigger_registry WHERE NOT name = ANY ($1::text[])', [names])
  for (const cursor of await feed.cursors.list()) {
    const name = cursor.name.slice(CURSOR_PREFIX.length)
    const live = triggers.some((t) => t.name === name && t.type === 'DATABASE' && !t.disabled)
    if (cursor.name.startsWith(CURSOR_PREFIX) && !live) await feed.cursors.delete(cursor.name)
  }
  const dropped = await store.query(
    'DELETE FROM trigger_events WHERE NOT trigger = ANY ($1::text[]) RETURNING id',
    [names],
  )
  return dropped.length
}
