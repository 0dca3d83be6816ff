import { Writable } from 'node:stream'
import { EJSON, ObjectId } from 'bson'
import { pino } from 'pino'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createCollection } from '../collection/createCollection'
import { testStores } from '../testing/testStores'
import {
  basicAppDir,
  createInProcessServer,
  decodeJwtPayload,
  type InProcessServer,
} from '../testUtils'

describe.each(testStores())('custom user data in tokens on $kind', (storeKind) => {
  let s: InProcessServer
  const logLines: Record<string, unknown>[] = []
  const logger = pino(
    { level: 'warn' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>)
        done()
      },
    }),
  )

  /** Stores a document the way the collection API does: canonical EJSON in jsonb. */
  const insert = async (doc: Record<string, unknown>) => {
    const withId = { _id: new ObjectId(), ...doc }
    await s.store.query(
      'INSERT INTO documents (db, coll, id, doc) VALUES ($1, $2, $3, $4::jsonb)',
      [
        'app',
        'users',
        EJSON.stringify(withId._id, { relaxed: false }),
        EJSON.stringify(withId, { relaxed: false }),
      ],
    )
    return withId
  }
  const userData = async (refreshToken: string) => {
    const answer = await s.request('POST', '/auth/session', { token: refreshToken })
    expect(answer.status).toBe(201)
    return decodeJwtPayload((answer.body as { access_token: string }).access_token)
  }

  beforeAll(async () => {
    s = await createInProcessServer(storeKind, { appDir: basicAppDir, logger })
  })
  afterAll(() => s.close())

  it('leaves user_data out while the user has no document', async () => {
    const login = await s.logInAnonymously()
    const claims = decodeJwtPayload(login.access_token)
    expect(claims).not.toHaveProperty('user_data')
    expect(claims).not.toHaveProperty('user_data_omitted')
  })

  it('reads the document at every refresh, as relaxed EJSON: numbers plain, ObjectId and Date wrapped', async () => {
    const login = await s.logInAnonymously()
    const doc = await insert({
      user_id: login.user_id,
      favoriteFood: 'pizza',
      visits: 3,
      ratio: 2.5,
      since: new Date(0),
    })
    expect((await userData(login.refresh_token)).user_data).toEqual({
      _id: { $oid: doc._id.toHexString() },
      user_id: login.user_id,
      favoriteFood: 'pizza',
      visits: 3,
      ratio: 2.5,
      since: { $date: expect.stringMatching(/^1970-01-01T00:00:00(\.000)?Z$/) },
    })
    await s.store.query(
      `UPDATE documents SET doc = jsonb_set(doc, '{favoriteFood}', '"ramen"') WHERE doc->>'user_id' = $1`,
      [login.user_id],
    )
    expect((await userData(login.refresh_token)).user_data).toMatchObject({ favoriteFood: 'ramen' })
  })

  it('keeps the fields of user_data in the order they were written (jsonb sorts them by length)', async () => {
    const login = await s.logInAnonymously()
    const users = createCollection({
      store: s.store,
      db: 'app',
      coll: 'users',
      userIdField: 'user_id',
    })
    await users.insertOne({
      _id: `order-${login.user_id}`,
      user_id: login.user_id,
      zebra: 1,
      theme: { mode: 'dark', a: true },
      a: 2,
    })
    const written = ['_id', 'user_id', 'zebra', 'theme', 'a']
    expect(Object.keys((await userData(login.refresh_token)).user_data as object)).toEqual(written)
    // So does the token a write answers with (X-Refreshed-Access-Token), new fields last.
    const write = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token: login.access_token,
      body: { name: 'setMyData', arguments: [{ later: 1 }] },
    })
    const token = write.headers.get('x-refreshed-access-token')
    const claims = decodeJwtPayload(token ?? '') as { user_data: Record<string, unknown> }
    expect(Object.keys(claims.user_data)).toEqual([...written, 'later'])
    expect(Object.keys(claims.user_data.theme as object)).toEqual(['mode', 'a'])
  })

  it('takes the first inserted document when several match', async () => {
    const login = await s.logInAnonymously()
    await insert({ user_id: login.user_id, order: 'first' })
    await insert({ user_id: login.user_id, order: 'second' })
    expect((await userData(login.refresh_token)).user_data).toMatchObject({ order: 'first' })
  })

  it('D2: a document over the 16 KiB cap stays out of the token, which says user_data_omitted, and a warning names the user', async () => {
    const login = await s.logInAnonymously()
    await insert({ user_id: login.user_id, blob: 'x'.repeat(17 * 1024) })
    const claims = await userData(login.refresh_token)
    expect(claims).not.toHaveProperty('user_data')
    expect(claims.user_data_omitted).toBe(true)
    expect(logLines).toContainEqual(
      expect.objectContaining({
        userId: login.user_id,
        msg: 'custom user data is over the size cap and was left out of the access token',
      }),
    )
  })

  it('D2: a write that would make the custom-data document larger than the cap is refused, and nothing is stored', async () => {
    const login = await s.logInAnonymously()
    const call = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token: login.access_token,
      body: { name: 'setMyData', arguments: [{ blob: 'x'.repeat(20 * 1024) }] },
    })
    // The write fails inside the function, so it surfaces as the function's error (App Services'
    // FunctionExecutionError, 400) carrying the reason; what matters is that nothing is stored.
    expect([400, 413, 422]).toContain(call.status)
    expect(JSON.stringify(call.body)).toMatch(/bytes|too large|limit/i)
    expect(
      await s.store.query(`SELECT 1 FROM documents WHERE doc->>'user_id' = $1`, [login.user_id]),
    ).toEqual([])
  })
})
