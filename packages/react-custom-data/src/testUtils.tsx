import {
  App,
  createMemoryStorage,
  Credentials,
  type AppConfiguration,
  type User,
} from '@react-custom-data/client'
import {
  startTestServer,
  type TestServer,
  type TestServerOptions,
} from '@react-custom-data/server/testing'
import { QueryClient } from '@tanstack/react-query'
import { act, renderHook, type RenderHookResult } from '@testing-library/react'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ReactNode } from 'react'
import { expect, vi } from 'vitest'
import { AppProvider } from './AppProvider'
import { useUser } from './useUser'

/** The app folder the hooks are tested against: the demo's write function plus test functions. */
export const hooksAppDir: string = resolve(
  dirname(fileURLToPath(import.meta.url)),
  '../fixtures/hooks-app',
)

/** The HS256 key the fixture's custom-token provider verifies JWTs with (a test value). */
export const TEST_JWT_KEY = 'hooks-test-signing-key-of-at-least-32-bytes'

/** A mail the server wanted to send: confirmation and reset links end up here in tests. */
export interface SentMail {
  readonly to: string
  readonly kind: string
  readonly link?: string
}

/** A test server plus the mails it sent. */
export type HooksServer = TestServer & { readonly mails: SentMail[] }

/**
 * The real server on a real port, serving the hooks' app folder. Rate limits are off (the suites
 * create many anonymous users from one address) and mails are kept instead of sent.
 */
export const startHooksServer = async (
  options: Partial<TestServerOptions> = {},
): Promise<HooksServer> => {
  const mails: SentMail[] = []
  const server = await startTestServer({
    appDir: hooksAppDir,
    rateLimits: false,
    secrets: { jwtSigningKey: TEST_JWT_KEY },
    mailer: {
      send: (mail: SentMail) => {
        mails.push(mail)
        return Promise.resolve()
      },
    },
    ...options,
  })
  return Object.assign(server, { mails })
}

/** The `token` and `tokenId` of the last link mailed to `email`. */
export const tokenFromMail = (
  server: HooksServer,
  email: string,
): { token: string; tokenId: string } => {
  const mail = server.mails.findLast((candidate) => candidate.to === email && candidate.link)
  if (!mail?.link) throw new Error(`no link was mailed to ${email}`)
  const params = new URL(mail.link).searchParams
  return { token: params.get('token') ?? '', tokenId: params.get('tokenId') ?? '' }
}

/**
 * A fresh App on memory storage, pointed at a test server. Live custom data is off unless the
 * test asks: the tests that count requests count those of the hooks, not the stream's.
 */
export const createTestApp = (
  baseUrl: string,
  options: Partial<Omit<AppConfiguration, 'baseUrl'>> = {},
): App =>
  new App({
    id: 'hooks-test',
    baseUrl,
    storage: createMemoryStorage(),
    liveCustomData: false,
    ...options,
  })

/** A wrapper for `renderHook`: the given app in an `<AppProvider>` with its own QueryClient. */
export const providerFor = (
  app: App,
  queryClient: QueryClient = new QueryClient(),
): ((props: { children?: ReactNode }) => ReactNode) =>
  function Wrapper({ children }: { children?: ReactNode }): ReactNode {
    return (
      <AppProvider app={app} queryClient={queryClient}>
        {children}
      </AppProvider>
    )
  }

/** Renders an auth hook next to `useUser()`, under an `<AppProvider>` for `app`. */
export const renderAuthHook = <TAuth,>(
  app: App,
  useAuthHook: () => TAuth,
): RenderHookResult<{ auth: TAuth; user: User | null }, unknown> & { app: App } =>
  Object.assign(
    renderHook(() => ({ auth: useAuthHook(), user: useUser() }), { wrapper: providerFor(app) }),
    { app },
  )

/** `renderHook` that also counts the renders of the component calling the hook. */
export const renderCounted = <TResult,>(
  hook: () => TResult,
  wrapper: (props: { children?: ReactNode }) => ReactNode,
): RenderHookResult<TResult, unknown> & { renders: () => number } => {
  let renders = 0
  const rendered = renderHook(
    () => {
      renders += 1
      return hook()
    },
    { wrapper },
  )
  return Object.assign(rendered, { renders: () => renders })
}

/** The requests a test server received since `from`, without location lookups. */
export const requestsSince = (server: TestServer, from: number): string[] =>
  server.requests.slice(from).filter((request) => !request.endsWith('/location'))

/** Lets react-query's batched notifications and React's renders run (they are timer-scheduled). */
export const settle = (ms = 30): Promise<void> =>
  act(() => new Promise<void>((resolve) => setTimeout(resolve, ms)))

/**
 * Writes a user's custom data the way another device would: a function call with the user's
 * access token, sent past the client, so the client's token still holds the old document.
 */
export const writeElsewhere = async (
  server: TestServer,
  user: User,
  patch: Record<string, unknown>,
): Promise<void> => {
  const response = await fetch(`${server.url}/api/client/v2.0/app/hooks-test/functions/call`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'writeCustomUserData', arguments: [patch] }),
  })
  if (!response.ok) throw new Error(`writeElsewhere: ${response.status} ${await response.text()}`)
}

/** Logs a new anonymous user into `app` (outside React) with the given custom data. */
export const anonymousUserWith = async (
  app: App,
  data: Record<string, unknown> = {},
): Promise<User> => {
  const user = await app.logIn(Credentials.anonymous(false))
  if (Object.keys(data).length) {
    await user.callFunction('writeCustomUserData', data)
    await user.refreshCustomData()
  }
  return user
}

/**
 * A `fetch` for `createTestApp` that holds back the requests `matches` picks until `release()`:
 * the real request then goes to the real server. It makes "while the server has not answered
 * yet" observable; it never changes an answer.
 */
export const holdRequests = (
  matches: (url: string, body: string) => boolean,
): { fetch: typeof fetch; release: () => void } => {
  let release: () => void = () => undefined
  const released = new Promise<void>((resolve) => (release = resolve))
  return {
    fetch: async (input, init) => {
      const url = input instanceof Request ? input.url : String(input)
      if (matches(url, typeof init?.body === 'string' ? init.body : '')) await released
      return fetch(input, init)
    },
    release: () => release(),
  }
}

/**
 * Silences React's reports of errors thrown while rendering (React 18 prints each twice, through
 * jsdom), for tests that make a render throw on purpose. Returns the function that restores them.
 */
export const silenceRenderErrors = (): (() => void) => {
  const quiet = (event: ErrorEvent) => event.preventDefault()
  const spy = vi.spyOn(console, 'error').mockImplementation(() => undefined)
  window.addEventListener('error', quiet)
  return () => {
    window.removeEventListener('error', quiet)
    spy.mockRestore()
  }
}

/** Asserts that `fn` throws `message` while rendering, without the console noise. */
export const expectRenderError = (fn: () => unknown, message: string): void => {
  const restore = silenceRenderErrors()
  try {
    expect(fn).toThrow(message)
  } finally {
    restore()
  }
}
