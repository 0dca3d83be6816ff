import type { Fetch, Request, TransportSession } from './createTransport'
import type { SessionState, SessionStore } from './sessionStore'
import { sleep } from './sleep'

export interface LiveCustomDataOptions {
  readonly store: SessionStore
  readonly session: TransportSession
  readonly request: Request
  readonly fetch: Fetch
  /** Names the cross-tab leader lock: `<prefix>live(<userId>)`. */
  readonly prefix: string
}

type Locks = { request: LockManager['request'] } | undefined

const MAX_BACKOFF_MS = 30_000

/**
 * Keeps the current user's custom data live (docs/protocol.md §17.7): while a tab of the app is
 * visible, one stream per browser (the tab holding the `live` Web Lock leads; without Web Locks,
 * each visible tab streams) receives a fresh access token whenever the user's custom data
 * changes, and adopts it as it adopts `X-Refreshed-Access-Token`: the session store changes, the
 * other tabs get it over the cross-tab channel, and a change costs the client no request. The
 * server sends the current data when a stream opens, so a reconnect misses nothing. It
 * reconnects with backoff and jitter, refreshes the token when the stream ended with it, and
 * stops for good against a server without the stream (404).
 */
export const liveCustomData = ({
  store,
  session,
  request,
  fetch,
  prefix,
}: LiveCustomDataOptions): void => {
  const doc = (globalThis as { document?: Document }).document
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks as Locks
  let running: { userId: string; stop: AbortController } | undefined
  let unsupported = false

  // One connection at a time until `signal` aborts; resolves when the server ends it.
  let failures = 0
  const connect = async (userId: string, signal: AbortSignal): Promise<string | undefined> => {
    const token = await session.tokenFor(userId, 'access')
    const url = await request<string>({
      method: 'GET',
      path: '/live/custom-data',
      appScoped: true,
      urlOnly: true,
    })
    const response = await fetch(url, {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
      signal,
    })
    if (response.status === 404) unsupported = true
    if (response.status === 401) return 'expired'
    if (!response.ok || !response.body) throw new Error(`live stream: status ${response.status}`)
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
    let buffer = ''
    let end: string | undefined
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return end
      buffer += value
      let at: number
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, at)
        buffer = buffer.slice(at + 2)
        const event = /^event: (.*)$/m.exec(frame)?.[1]
        const data = /^data: (.*)$/m.exec(frame)?.[1] ?? ''
        if (event === 'ready') failures = 0
        else if (event === 'token') session.offerAccessToken(userId, data)
        else if (event === 'end') end = (JSON.parse(data) as { reason?: string }).reason
      }
    }
  }

  const lead = async (userId: string, signal: AbortSignal): Promise<void> => {
    while (!signal.aborted && !unsupported) {
      let reason: string | undefined
      try {
        reason = await connect(userId, signal)
      } catch {
        // Offline, or the server down: the backoff below grows.
      }
      // Every end counts: one after a working stream ('ready' reset the count) waits about a
      // second; a server that keeps refusing is asked less and less often, up to every 30 s.
      failures++
      if (signal.aborted || unsupported) return
      if (reason === 'expired' || reason === 'logout') {
        // A refresh brings the next token, or tells this tab its session is over (logged out).
        try {
          await session.refreshAccessToken(
            userId,
            store.getState().users[userId]?.accessToken ?? null,
          )
        } catch {
          // Offline: the next connection tries again with the token held.
        }
        if (!store.getState().users[userId]?.refreshToken) return
      }
      const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** failures) * (0.5 + Math.random())
      // Cut short when this tab stops leading, so that it lets go of the lock at once.
      await Promise.race([
        sleep(delay),
        new Promise((wake) => signal.addEventListener('abort', wake)),
      ])
    }
  }

  const update = (state: SessionState): void => {
    const userId = state.currentUserId
    const wanted =
      userId && !unsupported && (!doc || doc.visibilityState === 'visible') ? userId : undefined
    if (running?.userId === wanted) return
    running?.stop.abort()
    running = undefined
    if (!wanted) return
    const stop = new AbortController()
    running = { userId: wanted, stop }
    const run = (): Promise<void> => lead(wanted, stop.signal).catch(() => {})
    if (locks)
      // Held while this tab leads; another visible tab waits for it (a hidden one lets go).
      void locks.request(`${prefix}live(${wanted})`, { signal: stop.signal }, run).catch(() => {})
    else void run()
  }
  update(store.getState())
  store.subscribe(update)
  doc?.addEventListener('visibilitychange', () => update(store.getState()))
}
