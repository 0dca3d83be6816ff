import type { ErrorCode } from '@react-custom-data/server'
import { describe, expectTypeOf, it } from 'vitest'
import type { ApiError, ApiErrorCode, KnownApiErrorCode } from './index'

describe('ApiError codes', () => {
  it('lists every code the server answers with', () => {
    // A code added to the server's ServiceError and missing here fails this test.
    expectTypeOf<ErrorCode>().toExtend<KnownApiErrorCode>()
  })

  it('stays open to codes a newer server sends, and errorCode carries the union', () => {
    expectTypeOf<'SomeFutureCode'>().toExtend<ApiErrorCode>()
    expectTypeOf<ApiError['errorCode']>().toEqualTypeOf<ApiErrorCode>()
    // The open end does not swallow the known codes: a switch still narrows to them.
    expectTypeOf<Extract<ApiErrorCode, 'AccountNameInUse'>>().toEqualTypeOf<'AccountNameInUse'>()
  })
})
