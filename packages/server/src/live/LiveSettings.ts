/** Limits of live streams (the custom-data stream and realm-web's `watch()`, docs/protocol.md §17.7). */
export interface LiveSettings {
  /** Serve live streams at all. */
  readonly enabled: boolean
  /** Open streams per user; opening one more ends that user's oldest (`replaced`). */
  readonly streamsPerUser: number
  /** A comment frame this often keeps proxies from closing an idle stream, in seconds. */
  readonly heartbeatSeconds: number
  /** Bytes queued for a reader that does not read before its stream is cut off. */
  readonly maxBufferedBytes: number
}

export const DEFAULT_LIVE_SETTINGS: LiveSettings = {
  enabled: true,
  streamsPerUser: 10,
  heartbeatSeconds: 15,
  maxBufferedBytes: 256 * 1024,
}

/** Checked settings from what `createServer` was given (`false` turns streams off). */
export const liveSettingsOf = (given: Partial<LiveSettings> | false | undefined): LiveSettings => {
  if (given === false) return { ...DEFAULT_LIVE_SETTINGS, enabled: false }
  const settings = { ...DEFAULT_LIVE_SETTINGS, ...given }
  for (const key of ['streamsPerUser', 'heartbeatSeconds', 'maxBufferedBytes'] as const) {
    if (!Number.isFinite(settings[key]) || settings[key] <= 0) {
      throw new TypeError(`liveStreams.${key} must be a positive number, got ${settings[key]}`)
    }
  }
  return settings
}
