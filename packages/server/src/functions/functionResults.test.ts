import { randomUUID } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testStores } from '../testing/testStores'
import { createInProcessServer, type InProcessServer } from '../testUtils'

// What a call answers, as App Services answered it: context.functions.execute results and chains,
// promises inside the returned value, and a returned cursor.

const runtimeAppDir = fileURLToPath(new URL('../../fixtures/runtime-app', import.meta.url))

describe.each(testStores())('function results on $kind', (storeKind) => {
  let s: InProcessServer
  let token: string
  beforeAll(async () => {
    s = await createInProcessServer(storeKind, { appDir: runtimeAppDir })
    token = (await s.logInAnonymously()).access_token
  })
  afterAll(() => s.close())

  const call = async (name: string, args: unknown[] = []) => {
    const answer = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token,
      body: { name, arguments: args },
    })
    return answer
  }

  it('context.functions.execute of a synchronous function answers its value synchronously, as App Services’ own templates use it', async () => {
    expect(await call('chainSync')).toMatchObject({ status: 200, body: 'got sync:1' })
  })

  it('context.functions.execute of an async function answers a promise to await', async () => {
    expect(await call('chainAsync')).toMatchObject({ status: 200, body: 'got async:2' })
  })

  it('a chain of functions each returning the next one’s result answers the last value, not "[object Promise]"', async () => {
    expect(await call('chainDeep', [3])).toMatchObject({ status: 200, body: 'async:bottom' })
  })

  it('promises inside the returned value are waited for', async () => {
    expect((await call('returnsPromises')).body).toEqual({
      value: 'async:3',
      list: [{ $numberInt: '1' }, 'sync:4'],
    })
  })

  it('execute of a function that does not exist throws what the function can catch', async () => {
    expect((await call('executeMissing')).body).toBe("function not found: 'noSuchFunction'")
  })

  describe('a returned cursor answers its documents (App Services docs: `return await collection.find(...)`)', () => {
    const tag = randomUUID()
    beforeAll(async () => {
      const seeded = await call('seedItems', [tag])
      if (seeded.body !== 'seeded')
        throw new Error(`seeding failed: ${JSON.stringify(seeded.body)}`)
    })

    it('find() without toArray()', async () => {
      expect((await call('returnCursor', [tag])).body).toEqual([
        { tag, n: { $numberInt: '1' } },
        { tag, n: { $numberInt: '2' } },
        { tag, n: { $numberInt: '3' } },
      ])
    })

    it('an awaited find()', async () => {
      const body = (await call('returnAwaitedCursor', [tag])).body as { n: unknown }[]
      expect(body.map((doc) => doc.n)).toEqual(
        expect.arrayContaining([{ $numberInt: '1' }, { $numberInt: '2' }, { $numberInt: '3' }]),
      )
      expect(body).toHaveLength(3)
    })

    it('aggregate() without toArray()', async () => {
      expect((await call('returnAggregate', [tag])).body).toEqual([
        { _id: tag, total: { $numberInt: '6' } },
      ])
    })

    it('a cursor and a promise inside the returned object', async () => {
      expect((await call('returnNestedCursor', [tag])).body).toEqual({
        tag,
        first: [{ tag, n: { $numberInt: '1' } }],
        count: { $numberInt: '3' },
      })
    })
  })
})
