import type { TestServer } from '@react-custom-data/server/testing'
import type { StandardSchemaV1 } from '@standard-schema/spec'
import { act, renderHook, waitFor } from '@testing-library/react'
import { type } from 'arktype'
import * as v from 'valibot'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { createCustomDataHooks } from './createCustomDataHooks'
import { CustomDataValidationError } from './CustomDataValidationError'
import {
  anonymousUserWith,
  createTestApp,
  providerFor,
  requestsSince,
  startHooksServer,
} from './testUtils'
import { useCustomData } from './useCustomData'

const Preferences = z.object({
  favoriteFood: z.string().optional(),
  theme: z.enum(['light', 'dark']).default('light'),
  visits: z.number().int().nonnegative().default(0),
})

const zodHooks = createCustomDataHooks({ schema: Preferences })

describe('createCustomDataHooks against the real server', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startHooksServer()
  })
  afterAll(() => server.close())

  it('serves data checked and typed by a zod schema (defaults applied)', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const { result } = renderHook(() => ({ ...zodHooks.useCustomData() }), {
      wrapper: providerFor(app),
    })
    expect(result.current.status).toBe('success')
    expect(result.current.data).toEqual({ favoriteFood: 'pizza', theme: 'light', visits: 0 })
  })

  it('data that fails the schema is an error state with the issues: never a crash, never unchecked data', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 42, theme: 'purple' })
    const { result } = renderHook(() => ({ ...zodHooks.useCustomData() }), {
      wrapper: providerFor(app),
    })
    expect(result.current.status).toBe('error')
    expect(result.current.data).toBeUndefined()
    const error = result.current.error
    expect(error).toBeInstanceOf(CustomDataValidationError)
    expect((error as CustomDataValidationError).issues.map((issue) => issue.path)).toEqual([
      ['favoriteFood'],
      ['theme'],
    ])
    expect(error?.message).toMatch(
      /^react-custom-data: custom data does not match the schema: favoriteFood: .+; theme: /,
    )
    // The untyped hook still sees the raw document: the check belongs to the typed hooks.
    const { result: raw } = renderHook(() => ({ ...useCustomData() }), {
      wrapper: providerFor(app),
    })
    expect(raw.current.data).toMatchObject({ favoriteFood: 42 })
  })

  it('recovers when a write makes the data valid again', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 42 })
    const { result } = renderHook(
      () => ({ read: { ...zodHooks.useCustomData() }, write: zodHooks.useWriteCustomData() }),
      { wrapper: providerFor(app) },
    )
    expect(result.current.read.status).toBe('error')
    const confirmed = await act(() => result.current.write.write({ favoriteFood: 'pizza' }))
    expect(confirmed).toEqual({ favoriteFood: 'pizza', theme: 'light', visits: 0 })
    await waitFor(() => expect(result.current.read.status).toBe('success'))
    expect(result.current.read.data?.favoriteFood).toBe('pizza')
  })

  it('refuses a write whose result would fail the schema, before sending anything', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const { result } = renderHook(() => zodHooks.useWriteCustomData(), {
      wrapper: providerFor(app),
    })
    const from = server.requests.length
    const refused = await act(() =>
      result.current.write({ visits: -1 }).catch((error: unknown) => error),
    )
    expect(refused).toBeInstanceOf(CustomDataValidationError)
    expect((refused as CustomDataValidationError).message).toMatch(
      /the written custom data does not match the schema: visits: /,
    )
    expect(requestsSince(server, from)).toEqual([])
    await waitFor(() => expect(result.current.status).toBe('error'))
  })

  it('applies select after the check, typed from the schema', async () => {
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { theme: 'dark' })
    const { result } = renderHook(
      () => zodHooks.useCustomData({ select: (data) => data.theme.toUpperCase() }),
      { wrapper: providerFor(app) },
    )
    expect(result.current.data).toBe('DARK')
  })

  it('works with valibot, and writes to the configured function', async () => {
    const hooks = createCustomDataHooks({
      schema: v.object({ favoriteFood: v.optional(v.string()) }),
      writeFunction: 'rejectWrite',
    })
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const { result } = renderHook(
      () => ({ read: { ...hooks.useCustomData() }, write: hooks.useWriteCustomData() }),
      { wrapper: providerFor(app) },
    )
    expect(result.current.read.data).toEqual({ favoriteFood: 'pizza' })
    const refused = await act(() =>
      result.current.write.write({ favoriteFood: 'sushi' }).catch((error: unknown) => error),
    )
    expect(String(refused)).toContain('this write is refused')
  })

  it('works with arktype: valid data typed, invalid data an error state with its issues', async () => {
    const hooks = createCustomDataHooks({
      schema: type({ favoriteFood: 'string', 'theme?': "'light' | 'dark'" }),
    })
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 'pizza', theme: 'dark' })
    const { result } = renderHook(() => ({ ...hooks.useCustomData() }), {
      wrapper: providerFor(app),
    })
    // arktype keeps keys it does not declare (the document's _id and userId), unlike zod.
    expect(result.current.data).toMatchObject({ favoriteFood: 'pizza', theme: 'dark' })
    expectTypeOf(result.current.data).toEqualTypeOf<
      { favoriteFood: string; theme?: 'light' | 'dark' } | undefined
    >()

    const other = createTestApp(server.url)
    await anonymousUserWith(other, { favoriteFood: 'pizza', theme: 'neon' })
    const { result: invalid } = renderHook(() => ({ ...hooks.useCustomData() }), {
      wrapper: providerFor(other),
    })
    expect(invalid.current.status).toBe('error')
    expect(invalid.current.data).toBeUndefined()
    const error = invalid.current.error as CustomDataValidationError
    expect(error).toBeInstanceOf(CustomDataValidationError)
    // arktype's path arrays carry a cache of their own: compare their elements.
    expect(error.issues.map((issue) => [...(issue.path ?? [])])).toEqual([['theme']])
    expect(error.message).toMatch(/custom data does not match the schema: theme: /)
  })

  it('refuses an asynchronous schema with a clear error state', async () => {
    const asyncSchema: StandardSchemaV1<object, object> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        validate: (value) => Promise.resolve({ value: value as object }),
      },
    }
    const hooks = createCustomDataHooks({ schema: asyncSchema })
    const app = createTestApp(server.url)
    await anonymousUserWith(app)
    const { result } = renderHook(() => ({ ...hooks.useCustomData() }), {
      wrapper: providerFor(app),
    })
    expect(result.current.status).toBe('error')
    expect(result.current.error?.message).toMatch(/the custom-data schema validates asynchronously/)
  })

  it('without a schema, types the hooks and checks nothing', async () => {
    const hooks = createCustomDataHooks<{ favoriteFood?: string }>()
    const app = createTestApp(server.url)
    await anonymousUserWith(app, { favoriteFood: 'pizza' })
    const { result } = renderHook(() => ({ ...hooks.useCustomData() }), {
      wrapper: providerFor(app),
    })
    expect(result.current.data?.favoriteFood).toBe('pizza')
  })
})
