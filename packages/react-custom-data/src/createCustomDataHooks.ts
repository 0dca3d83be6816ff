import type { StandardSchemaV1 } from '@standard-schema/spec'
import { useCallback } from 'react'
import { useCustomData } from './useCustomData'
import type { UseCustomDataOptions, UseCustomDataResult } from './UseCustomDataOptions'
import {
  useSuspenseCustomData,
  type UseSuspenseCustomDataOptions,
  type UseSuspenseCustomDataResult,
} from './useSuspenseCustomData'
import {
  useWriteCustomData,
  type UseWriteCustomDataOptions,
  type UseWriteCustomDataResult,
} from './useWriteCustomData'
import { validateCustomData } from './validateCustomData'

/** The custom-data hooks, typed to one document type (see `createCustomDataHooks`). */
export interface CustomDataHooks<TData extends object, TPatch = Partial<TData>> {
  readonly useCustomData: <TSelected = TData>(
    options?: UseCustomDataOptions<TData, TSelected>,
  ) => UseCustomDataResult<TSelected>
  readonly useSuspenseCustomData: <TSelected = TData>(
    options?: UseSuspenseCustomDataOptions<TData, TSelected>,
  ) => UseSuspenseCustomDataResult<TSelected>
  readonly useWriteCustomData: (
    options?: Pick<UseWriteCustomDataOptions<TData, TPatch>, 'optimistic' | 'applyPatch'>,
  ) => UseWriteCustomDataResult<TData, TPatch>
}

/** Options of `createCustomDataHooks`. */
export interface CreateCustomDataHooksOptions<TSchema> {
  /**
   * Any Standard Schema (zod, valibot, arktype, ...). Data that fails it puts the hooks in an
   * error state with a `CustomDataValidationError` carrying the issues, never in your component;
   * a write whose result would fail it is refused before anything is sent.
   */
  readonly schema?: TSchema
  /** The server function writes go to. Default `writeCustomUserData`. */
  readonly writeFunction?: string
}

/**
 * The custom-data hooks typed to your document, once, instead of a generic on every call; with
 * a `schema` the type comes from it and every document is checked at run time.
 *
 * @example
 * const Preferences = z.object({ favoriteFood: z.string().optional() })
 * export const { useCustomData, useWriteCustomData } = createCustomDataHooks({ schema: Preferences })
 */
export function createCustomDataHooks<TSchema extends StandardSchemaV1<object, object>>(
  options: CreateCustomDataHooksOptions<TSchema> & { readonly schema: TSchema },
): CustomDataHooks<
  StandardSchemaV1.InferOutput<TSchema>,
  Partial<StandardSchemaV1.InferInput<TSchema>>
>
export function createCustomDataHooks<TData extends object>(
  options?: CreateCustomDataHooksOptions<never>,
): CustomDataHooks<TData>
export function createCustomDataHooks(
  options: CreateCustomDataHooksOptions<StandardSchemaV1<object, object>> = {},
): CustomDataHooks<object> {
  const { schema, writeFunction } = options
  // Runs inside react-query's select, which runs once per new document while select is stable.
  const check = (data: object): object => (schema ? validateCustomData(schema, data) : data)
  const validate = schema
    ? (document: unknown) => validateCustomData(schema, document, 'the written custom data')
    : undefined
  return {
    useCustomData: (hookOptions = {}) =>
      useCustomData({ ...hookOptions, select: useCheckedSelect(check, hookOptions.select) }),
    useSuspenseCustomData: (hookOptions = {}) =>
      useSuspenseCustomData({
        ...hookOptions,
        select: useCheckedSelect(check, hookOptions.select),
      }),
    useWriteCustomData: (hookOptions = {}) =>
      useWriteCustomData({ ...hookOptions, functionName: writeFunction, validate }),
  }
}

// The schema check runs first, then the caller's select; stable while `select` is.
const useCheckedSelect = <TSelected>(
  check: (data: object) => object,
  select: ((data: never) => TSelected) | undefined,
): ((data: object) => TSelected) =>
  useCallback(
    (data: object) => {
      const valid = check(data)
      return (select ? select(valid as never) : valid) as TSelected
    },
    [check, select],
  )
