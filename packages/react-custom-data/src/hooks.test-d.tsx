import type { User } from '@react-custom-data/client'
import { describe, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import { createCustomDataHooks } from './createCustomDataHooks'
import type { CustomDataValidationError } from './CustomDataValidationError'
import { useAuth } from './useAuth'
import { useCustomData } from './useCustomData'
import { useFunction } from './useFunction'
import { useSuspenseCustomData } from './useSuspenseCustomData'
import { useUser } from './useUser'
import { useWriteCustomData } from './useWriteCustomData'

interface Preferences {
  favoriteFood?: string
  theme: 'light' | 'dark'
}

describe('the hooks’ types', () => {
  it('useCustomData: data typed by the generic, undefined until known; select narrows it', () => {
    const { data, refresh, isRefreshing, dataUpdatedAt } = useCustomData<Preferences>()
    expectTypeOf(data).toEqualTypeOf<Preferences | undefined>()
    expectTypeOf(refresh).toEqualTypeOf<() => Promise<Preferences>>()
    expectTypeOf(isRefreshing).toEqualTypeOf<boolean>()
    expectTypeOf(dataUpdatedAt).toEqualTypeOf<number>()

    const theme = useCustomData({ select: (preferences: Preferences) => preferences.theme })
    expectTypeOf(theme.data).toEqualTypeOf<'light' | 'dark' | undefined>()
    expectTypeOf(theme.refresh).returns.resolves.toEqualTypeOf<'light' | 'dark'>()

    // An interface without an index signature is accepted (realm-js #4320).
    expectTypeOf(useCustomData<Preferences>).toBeCallableWith({ userId: 'some-user' })
    // @ts-expect-error select must take the document type
    useCustomData<Preferences>({ select: (n: number) => n })
  })

  it('useSuspenseCustomData: data is always defined', () => {
    expectTypeOf(useSuspenseCustomData<Preferences>().data).toEqualTypeOf<Preferences>()
    const food = useSuspenseCustomData({ select: (p: Preferences) => p.favoriteFood ?? 'none' })
    expectTypeOf(food.data).toEqualTypeOf<string>()
  })

  it('useWriteCustomData: patches are partial documents, results are documents', () => {
    const { write, mutateAsync, data } = useWriteCustomData<Preferences>()
    expectTypeOf(write).parameter(0).toEqualTypeOf<Partial<Preferences>>()
    expectTypeOf(write).returns.resolves.toEqualTypeOf<Preferences>()
    expectTypeOf(mutateAsync).returns.resolves.toEqualTypeOf<Preferences>()
    expectTypeOf(data).toEqualTypeOf<Preferences | undefined>()
    // @ts-expect-error theme is 'light' | 'dark'
    void write({ theme: 'purple' })
    useWriteCustomData<Preferences>({
      optimistic: true,
      applyPatch: (document, patch) => {
        expectTypeOf(document).toEqualTypeOf<Preferences>()
        expectTypeOf(patch).toEqualTypeOf<Partial<Preferences>>()
        return { ...document, ...patch }
      },
    })
  })

  it('useFunction: arguments and result typed by the function’s signature', () => {
    const sum = useFunction<(a: number, b: number) => number>('sum')
    expectTypeOf(sum.call).toEqualTypeOf<(a: number, b: number) => Promise<number>>()
    expectTypeOf(sum.data).toEqualTypeOf<number | undefined>()
    expectTypeOf(sum.variables).toEqualTypeOf<[a: number, b: number] | undefined>()
    // @ts-expect-error two numbers
    void sum.call('2', 3)
    const load = useFunction<(id: string) => Promise<{ name: string }>>('load')
    expectTypeOf(load.call).returns.resolves.toEqualTypeOf<{ name: string }>()
    expectTypeOf(useFunction('anything').call).toEqualTypeOf<
      (...args: unknown[]) => Promise<unknown>
    >()
  })

  it('useUser and useAuth: the client’s User, and promises for every action', () => {
    expectTypeOf(useUser()).toEqualTypeOf<User | null>()
    const auth = useAuth()
    expectTypeOf(auth.logInWithAnonymous).returns.resolves.toEqualTypeOf<User>()
    expectTypeOf(auth.logInWithEmailPassword).parameter(0).toEqualTypeOf<{
      email: string
      password: string
    }>()
    expectTypeOf(auth.logOut).returns.resolves.toBeVoid()
    expectTypeOf(auth.status).toEqualTypeOf<'idle' | 'pending' | 'success' | 'error'>()
  })

  it('createCustomDataHooks: types from a schema, or from a type argument', () => {
    const Schema = z.object({
      favoriteFood: z.string().optional(),
      visits: z.number().default(0),
    })
    const schemaHooks = createCustomDataHooks({ schema: Schema })
    const { data, error } = schemaHooks.useCustomData()
    expectTypeOf(data).toEqualTypeOf<
      { favoriteFood?: string | undefined; visits: number } | undefined
    >()
    expectTypeOf(error).toEqualTypeOf<Error | null>()
    expectTypeOf<CustomDataValidationError>().toExtend<Error>()
    const visits = schemaHooks.useCustomData({ select: (document) => document.visits })
    expectTypeOf(visits.data).toEqualTypeOf<number | undefined>()
    // The patch follows the schema's input: visits may be left out (it has a default).
    const { write } = schemaHooks.useWriteCustomData()
    expectTypeOf(write).parameter(0).toEqualTypeOf<{
      favoriteFood?: string | undefined
      visits?: number | undefined
    }>()
    // @ts-expect-error visits is a number
    void write({ visits: 'many' })

    const typed = createCustomDataHooks<Preferences>({ writeFunction: 'savePreferences' })
    expectTypeOf(typed.useCustomData().data).toEqualTypeOf<Preferences | undefined>()
    expectTypeOf(typed.useSuspenseCustomData().data).toEqualTypeOf<Preferences>()
  })
})
