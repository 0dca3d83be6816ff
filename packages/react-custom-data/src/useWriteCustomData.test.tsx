import { testStores, type TestServer } from '@react-custom-data/server/testing'
import { act, renderHook, waitFor } from '@testing-library/react'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  anonymousUserWith,
  createTestApp,
  holdRequests,
  providerFor,
  requestsSince,
  startHooksServer,
} from './testUtils'
import { useCustomData } from './useCustomData'
import { useWriteCustomData, type UseWriteCustomDataOptions } from './useWriteCustomData'

interface Preferences {
  favoriteFood?: string
  theme?: string
  userId?: string
}

const FUNCTION_CALL = 'POST /api/client/v2.0/app/hooks-test/functions/call'
const REFRESH = 'POST /api/client/v2.0/auth/session'

/** Holds back the calls of one server function until released. */
const holdCallsTo = (name: string) => holdRequests((_url, body) => body.includes(`"${name}"`))

const renderReaderAndWriter = (
  app: ReturnType<typeof createTestApp>,
  options?: UseWriteCustomDataOptions<Preferences>,
) =>
  renderHook(
    () => ({
      read: { ...useCustomData<Preferences>() },
      write: useWriteCustomData<Preferences>(options),
    }),
    { wrapper: providerFor(app) },
  )

describe.each(testStores())('useWriteCustomData against the real server ($kind)', (storeKind) => {
  let server: TestServer
  let withoutHeader: TestServer
  beforeAll(async () => {
    ;[server, withoutHeader] = await Promise.all([
      startHooksServer({ storeKind }),
      startHooksServer({ storeKind, refreshedTokenHeader: false }),
    ])
  })
  afterAll(() => Promise.all([server.close(), withoutHeader.close()]))

  it('resolves with the server-confirmed data and updates the readers in one request (X-Refreshed-Access-Token)', async () => {
    const app = createTestApp(server.url)
    const user = await anonymousUserWith(app)
    const { result } = renderReaderAndWriter(app)
    const from = server.requests.length
    let confirmed: Preferences | undefined
    await act(async () => {
      confirmed = await result.current.write.write({ favoriteFood: 'pizza' })
    })
    expect(confirmed).toMatchObject({ favoriteFood: 'pizza', userId: user.id })
    expect(requestsSince(server, from)).toEqual([FUNCTION_CALL])
    await waitFor(() => expect(result.current.read.data).toEqual(confirmed))
    expect(result.current.write).toMatchObject({ status: 'success', data: confirmed })
  })

  it('refreshes once when the server sends no refreshed token (two requests, as realm-web apps do by hand)', async () => {
    const app = createTestApp(withoutHeader.url)
    const user = await anonymousUserWith(app)
    const { result } = renderReaderAndWriter(app)
    const from = withoutHeader.requests.length
    const confirmed = await act(() => result.current.write.mutateAsync({ favoriteFood: 'sushi' }))
    expect(confirmed).toMatchObject({ favoriteFood: 'sushi', userId: user.id })
    expect(requestsSince(withoutHeader, from)).toEqual([FUNCTION_CALL, REFRESH])
    await waitFor(() => expect(result.current.read.data?.favoriteFood).toBe('sushi'))
  })

  it('writes through the configured function', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const { result } = renderReaderAndWriter(app, { functionName: 'rejectWrite' })
    await act(() => result.current.write.write({ favoriteFood: 'tacos' }).catch(() => undefined))
    await waitFor(() => expect(result.current.write.status).toBe('error'))
    expect(result.current.write.error?.message).toContain('this write is refused')
    expect(result.current.read.data?.favoriteFood).toBe('pizza')
  })

  it('reports a missing function in the mutation state', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app)
    const { result } = renderReaderAndWriter(app, { functionName: 'noSuchFunction' })
    await act(() => result.current.write.write({ a: 1 } as Preferences).catch(() => undefined))
    await waitFor(() =>
      expect(result.current.write.error).toMatchObject({ errorCode: 'FunctionNotFound' }),
    )
  })

  it('with nobody logged in fails with a clear error and sends nothing', async () => {
    const app = createTestApp(server.url)
    const { result } = renderReaderAndWriter(app)
    const from = server.requests.length
    await act(() => result.current.write.write({ favoriteFood: 'pizza' }).catch(() => undefined))
    await waitFor(() => expect(result.current.write.status).toBe('error'))
    expect(result.current.write.error?.message).toMatch(/needs a logged-in user/)
    expect(requestsSince(server, from)).toEqual([])
  })

  it('reports an empty function name in the mutation state, sending nothing', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app)
    const { result } = renderReaderAndWriter(app, { functionName: '' })
    const from = server.requests.length
    await act(() => result.current.write.write({ favoriteFood: 'x' }).catch(() => undefined))
    await waitFor(() =>
      expect(result.current.write.error?.message).toMatch(/needs a function name/),
    )
    expect(requestsSince(server, from)).toEqual([])
  })

  it('optimistic: shows the patch in every reader before the server answers, then the confirmed data', async () => {
    const hold = holdCallsTo('writeCustomUserData')
    const app = createTestApp(server.url, { fetch: hold.fetch })
    const user = await anonymousUserWith(app)
    const { result } = renderReaderAndWriter(app, { optimistic: true })
    let write: Promise<Preferences> = Promise.resolve({})
    act(() => {
      write = result.current.write.write({ favoriteFood: 'pizza' })
    })
    await waitFor(() => expect(result.current.read.data).toEqual({ favoriteFood: 'pizza' }))
    expect(result.current.write.isPending).toBe(true)
    hold.release()
    const confirmed = await act(() => write)
    expect(confirmed).toMatchObject({ favoriteFood: 'pizza', userId: user.id })
    await waitFor(() => expect(result.current.read.data).toEqual(confirmed))
  })

  it('optimistic: takes the patch back when the write fails', async () => {
    const hold = holdCallsTo('rejectWrite')
    const app = createTestApp(server.url, { fetch: hold.fetch })
    await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const { result } = renderReaderAndWriter(app, { optimistic: true, functionName: 'rejectWrite' })
    const before = result.current.read.data
    let write: Promise<unknown> = Promise.resolve()
    act(() => {
      write = result.current.write
        .write({ favoriteFood: 'broccoli' })
        .catch((error: unknown) => error)
    })
    await waitFor(() => expect(result.current.read.data?.favoriteFood).toBe('broccoli'))
    hold.release()
    expect(await act(() => write)).toBeInstanceOf(Error)
    await waitFor(() => expect(result.current.read.data?.favoriteFood).toBe('pizza'))
    expect(result.current.read.data).toEqual(before)
    expect(result.current.write.status).toBe('error')
  })

  it('optimistic: a rollback never clobbers a later write’s success', async () => {
    const hold = holdCallsTo('rejectWrite')
    const app = createTestApp(server.url, { fetch: hold.fetch })
    await anonymousUserWith(app, { favoriteFood: 'pizza', theme: 'light' })
    const { result } = renderHook(
      () => ({
        read: { ...useCustomData<Preferences>() },
        failing: useWriteCustomData<Preferences>({ optimistic: true, functionName: 'rejectWrite' }),
        working: useWriteCustomData<Preferences>({ optimistic: true }),
      }),
      { wrapper: providerFor(app) },
    )
    // First write (will fail, held back), then a quick second write that succeeds.
    let failing: Promise<unknown> = Promise.resolve()
    act(() => {
      failing = result.current.failing
        .write({ favoriteFood: 'broccoli', theme: 'neon' })
        .catch((error: unknown) => error)
    })
    await waitFor(() => expect(result.current.read.data?.theme).toBe('neon'))
    const confirmed = await act(() => result.current.working.write({ favoriteFood: 'sushi' }))
    expect(confirmed).toMatchObject({ favoriteFood: 'sushi', theme: 'light' })
    // The first write is still pending: its patch still shows, over the confirmed second one.
    await waitFor(() =>
      expect(result.current.read.data).toMatchObject({ favoriteFood: 'broccoli', theme: 'neon' }),
    )

    hold.release()
    expect(await act(() => failing)).toBeInstanceOf(Error)
    await waitFor(() => expect(result.current.read.data?.theme).toBe('light'))
    expect(result.current.read.data?.favoriteFood).toBe('sushi')
  })
})
