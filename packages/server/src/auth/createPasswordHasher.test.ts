import { describe, expect, it } from 'vitest'
import { createPasswordHasher } from './createPasswordHasher'

const CHEAP = { memoryCost: 1024, timeCost: 1, parallelism: 1 }

describe('the password hasher', () => {
  it('bounds concurrent hashing: past the queue, 503 with Retry-After, and nothing is lost', async () => {
    const hasher = createPasswordHasher({ params: CHEAP, maxConcurrent: 1, maxQueued: 1 })
    const outcomes = await Promise.allSettled(
      ['one password', 'two password', 'three password'].map((p) => hasher.hash(p)),
    )
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
    ])
    // ServiceUnavailable is answered 503 (http/statusOf.ts).
    expect((outcomes[2] as PromiseRejectedResult).reason).toMatchObject({
      code: 'ServiceUnavailable',
      retryAfterSeconds: 1,
    })
    // The slots were handed back: the hasher keeps working.
    const stored = await hasher.hash('four password')
    expect(await hasher.verify(stored, 'four password')).toEqual({
      valid: true,
      needsRehash: false,
    })
  })

  it('A13: refuses absurd imported parameters without running them; flags others for rehashing', async () => {
    const hasher = createPasswordHasher({ params: CHEAP })
    const older = await createPasswordHasher({
      params: { ...CHEAP, timeCost: 2 },
    }).hash('correct horse')
    expect(await hasher.verify(older, 'correct horse')).toEqual({ valid: true, needsRehash: true })
    expect(await hasher.verify(older, 'wrong horse')).toEqual({ valid: false, needsRehash: false })
    // 4 GiB: run, it would take seconds or fail to allocate (verify would then reject).
    const absurd = older.replace(/m=\d+/, 'm=4194304')
    expect(await hasher.verify(absurd, 'correct horse')).toEqual({
      valid: false,
      needsRehash: false,
    })
    expect(await hasher.verify('$2b$31$not-a-supported-format', 'x')).toEqual({
      valid: false,
      needsRehash: false,
    })
  })
})
