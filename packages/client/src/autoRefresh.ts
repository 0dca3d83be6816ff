import { refreshMargin, type SessionState, type SessionStore } from './sessionStore'

// setTimeout fires at once for delays beyond 2^31 - 1 ms (24.8 days).
const MAX_DELAY_MS = 2 ** 31 - 1

/**
 * Refreshes the current user's access token shortly before it expires, so custom data stays
 * fresh and requests never wait for a refresh. The moment is jittered (between one and two
 * margins before expiry) so that tabs do not all wake at once; when they do, the refresh lock
 * lets one of them refresh and the others adopt its token.
 */
export const autoRefresh = (
  store: SessionStore,
  refresh: (userId: string, staleToken: string) => Promise<void>,
): void => {
  let timer: ReturnType<typeof setTimeout> | undefined
  let scheduledFor: string | null | undefined
  const schedule = ({ users, currentUserId }: SessionState): void => {
    const record = currentUserId ? users[currentUserId] : undefined
    const token = record?.accessToken
    if (token === scheduledFor) return
    scheduledFor = token
    clearTimeout(timer)
    if (!record?.refreshToken || !token || !record.accessTokenExpiresAt) return
    const margin = refreshMargin(token)
    const arm = (delay: number): void => {
      timer = setTimeout(
        () =>
          void refresh(record.id, token).catch(() => {
            // Offline or the server down (the transport has already retried): try again a margin
            // later, unless the token changed meanwhile (another tab refreshed, or a logout).
            if (scheduledFor === token) arm(margin)
          }),
        // A negative delay fires at once, as it should for a token already due.
        Math.min(delay, MAX_DELAY_MS),
      )
      ;(timer as { unref?: () => void }).unref?.()
    }
    arm(record.accessTokenExpiresAt - margin * (1 + Math.random()) - Date.now())
  }
  schedule(store.getState())
  store.subscribe(schedule)
}
