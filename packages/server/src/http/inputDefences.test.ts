import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { testStores } from '../testing/testStores'
import {
  API,
  authAppDir,
  createInProcessServer,
  decodeJwtPayload,
  type InProcessServer,
} from '../testUtils'

const MiB = 1024 * 1024

describe.each(testStores())('input defences on $kind', (storeKind) => {
  let s: InProcessServer
  let register: string
  let seq = 0
  const email = () => `d-${++seq}@example.com`

  /** Sends raw text to the register route (any body problem must be caught before the handler). */
  const send = async (
    body: NonNullable<RequestInit['body']>,
    headers: Record<string, string> = {},
  ) => {
    const response = await s.server.fetch(
      new Request(register, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      }),
    )
    const text = await response.text()
    return {
      status: response.status,
      text,
      body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
    }
  }

  beforeAll(async () => {
    s = await createInProcessServer(storeKind, {
      appDir: authAppDir,
      secrets: { jwtSigningKey: 'a-test-signing-secret-of-32-bytes-or-more' },
    })
    register = `${API}/app/${s.appId}/auth/providers/local-userpass/register`
  })
  afterAll(() => s.close())

  it('D1: a body of 1 MiB + 1 byte is 413 before the handler runs, with or without a Content-Length', async () => {
    const hash = vi.spyOn(s.server.context.passwords, 'hash')
    const oversized = `{"email":"${email()}","password":"${'x'.repeat(MiB)}"}`.slice(0, MiB + 1)
    expect(Buffer.byteLength(oversized)).toBe(MiB + 1)
    const announced = await send(oversized)
    expect(announced).toMatchObject({ status: 413, body: { error_code: 'PayloadTooLarge' } })
    const chunks = [oversized.slice(0, MiB / 2), oversized.slice(MiB / 2)]
    const streamed = await send(
      new ReadableStream({
        pull(controller) {
          const chunk = chunks.shift()
          if (chunk === undefined) controller.close()
          else controller.enqueue(new TextEncoder().encode(chunk))
        },
      }),
    )
    expect(streamed).toMatchObject({ status: 413, body: { error_code: 'PayloadTooLarge' } })
    expect(hash).not.toHaveBeenCalled()
  })

  it('D4: __proto__ keys, at the top or nested, are 400 and pollute nothing', async () => {
    for (const body of [
      `{"__proto__":{"isAdmin":true},"email":"${email()}","password":"good password"}`,
      `{"email":"${email()}","password":"good password","options":{"device":{"__proto__":{"isAdmin":true}}}}`,
      `[{"__proto__":{"isAdmin":true}}]`,
    ]) {
      const answer = await send(body)
      expect(answer).toMatchObject({ status: 400, body: { error_code: 'BadRequest' } })
      expect(answer.body?.error).toContain('__proto__')
    }
    expect(({} as { isAdmin?: boolean }).isAdmin).toBeUndefined()
  })

  it('D5: constructor.prototype payloads are 400', async () => {
    const answer = await send(
      `{"email":"${email()}","password":"good password","constructor":{"prototype":{"x":1}}}`,
    )
    expect(answer).toMatchObject({
      status: 400,
      body: { error: expect.stringContaining('constructor') },
    })
    expect(({} as { x?: number }).x).toBeUndefined()
    // A plain string under that name is data, not an attack.
    expect(
      (await send(`{"email":"${email()}","password":"good password","constructor":"Ford"}`)).status,
    ).toBe(201)
  })

  it('D6: "$where" and "$set" keys are refused with the field named; dotted keys are stored literally and read back identical', async () => {
    const login = await s.logInAnonymously()
    const write = (payload: unknown) =>
      s.request('POST', `/app/${s.appId}/functions/call`, {
        token: login.access_token,
        body: { name: 'setMyData', arguments: [{ payload }] },
      })
    const readBack = async () => {
      const refresh = await s.request('POST', '/auth/session', { token: login.refresh_token })
      const claims = decodeJwtPayload((refresh.body as { access_token: string }).access_token)
      return (claims.user_data as { payload?: unknown } | undefined)?.payload
    }
    const dotted = { 'a.b': { c: 'd' }, 'x.y.z': 1 }
    expect((await write(dotted)).status).toBe(200)
    expect(await readBack()).toEqual(dotted)
    for (const operatorLike of [{ $where: 'sleep(1000)' }, { $set: { admin: true } }]) {
      const answer = await write(operatorLike)
      expect(answer.status).toBe(400)
      expect((answer.body as { error: string }).error).toContain(Object.keys(operatorLike)[0])
      // Refused whole: the stored document is the one before.
      expect(await readBack()).toEqual(dotted)
    }
  })

  it('D7: JSON nested 10,000 deep is 400 quickly, never a stack overflow or a 500', async () => {
    const deep = `{"email":"${email()}","password":"good password","x":${'['.repeat(10_000)}${']'.repeat(10_000)}}`
    const answer = await send(deep)
    expect(answer).toMatchObject({
      status: 400,
      body: { error: 'the body nests deeper than 64 levels' },
    })
    const deepObject = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`
    expect((await send(deepObject)).status).toBe(400)
  })

  it('D8: 100,000 keys or a 1 MB array is refused (413 by size, 400 by key count)', async () => {
    const manyKeys = `{${Array.from({ length: 100_000 }, (_, i) => `"k${i}":0`).join(',')}}`
    expect((await send(manyKeys)).status).toBe(413)
    const bigArray = `[${'0,'.repeat(MiB / 2)}0]`
    expect((await send(bigArray)).status).toBe(413)
    const keysUnderLimit = `{${Array.from({ length: 20_000 }, (_, i) => `"k${i}":0`).join(',')}}`
    expect(Buffer.byteLength(keysUnderLimit)).toBeLessThan(MiB)
    expect(await send(keysUnderLimit)).toMatchObject({
      status: 400,
      body: { error: 'the object at the body has more than 10000 keys' },
    })
  })

  it('D9: a NUL character or an unpaired surrogate is 400, never a database error', async () => {
    for (const bad of ['\\u0000', '\\ud800', 'a\\udc00b']) {
      const inValue = await send(`{"email":"${email()}","password":"good pass${bad}word"}`)
      expect(inValue).toMatchObject({ status: 400, body: { error_code: 'BadRequest' } })
      expect(inValue.body?.error).toContain('NUL character or an unpaired UTF-16 surrogate')
      const inKey = await send(`{"email":"${email()}","password":"good password","k${bad}":1}`)
      expect(inKey.status).toBe(400)
    }
    expect((await send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]))).body).toMatchObject({
      error: 'request body is not valid UTF-8',
    })
    // A paired surrogate (an emoji) is fine.
    expect(
      (await send(`{"email":"${email()}","password":"good \\ud83d\\ude00 password"}`)).status,
    ).toBe(201)
  })

  it('D10: duplicate keys are deterministic: the last one wins', async () => {
    const first = email()
    const last = email()
    expect(
      (await send(`{"email":"${first}","email":"${last}","password":"good password"}`)).status,
    ).toBe(201)
    const rows = await s.store.query<{ email: string }>(
      'SELECT email FROM userpass_accounts WHERE email IN ($1, $2)',
      [first, last],
    )
    expect(rows).toEqual([{ email: last }])
  })

  it('D11: a plain JSON integer past 2^53 is 400 with the fix; $numberLong keeps it exact', async () => {
    const answer = await send(
      `{"email":"${email()}","password":"good password","n":9007199254740993}`,
    )
    expect(answer).toMatchObject({ status: 400 })
    expect(answer.body?.error).toContain('{"$numberLong": "<digits>"}')
    const login = await s.logInAnonymously()
    const exact = await s.request('POST', `/app/${s.appId}/functions/call`, {
      token: login.access_token,
      body: { name: 'setMyData', arguments: [{ big: { $numberLong: '9007199254740993' } }] },
    })
    expect(exact.status).toBe(200)
    const [row] = await s.store.query<{ doc: { big: unknown } }>(
      `SELECT doc FROM documents WHERE doc->>'user_id' = $1`,
      [login.user_id],
    )
    expect(row?.doc.big).toEqual({ $numberLong: '9007199254740993' })
  })

  it('D12: a wrong Content-Type is 415, and the size limit holds for it too', async () => {
    const answer = await send(`{"email":"${email()}","password":"good password"}`, {
      'content-type': 'text/plain',
    })
    expect(answer).toMatchObject({ status: 415, body: { error_code: 'UnsupportedMediaType' } })
    expect((await send('x'.repeat(MiB + 1), { 'content-type': 'text/plain' })).status).toBe(413)
    const charset = await send(`{"email":"${email()}","password":"good password"}`, {
      'content-type': 'application/json; charset=utf-8',
    })
    expect(charset.status).toBe(201)
  })

  it('D15: errors carry no stack, SQL or internal detail, and a client mistake is never a 500', async () => {
    const attempts = [
      await send('{"email": '),
      await send('[1,2,3]'),
      await send('{"email":{"$oid":"zz"},"password":"x"}'),
      await send(`{"email":"${email()}","password":{"$numberInt":"12345678"}}`),
      await s.request('GET', '/auth/profile', { token: "' OR 1=1 --" }),
      await s.request('POST', '/auth/session', { token: "'; DROP TABLE users; --" }),
      await s.request('GET', `/auth/api_keys/${'x'.repeat(300)}`, { token: 'x' }),
      await s.request('DELETE', '/auth/delete', { token: 'a.b.c' }),
      await s.request('PATCH', '/auth/session'),
    ]
    for (const answer of attempts) {
      expect(answer.status).toBeGreaterThanOrEqual(400)
      expect(answer.status).toBeLessThan(500)
      const text = JSON.stringify(answer.body)
      expect(text).not.toMatch(/\bat \w+ \(|\.ts:\d+|SELECT|INSERT|relation|syntax error at/)
      expect(answer.body).toEqual(
        expect.objectContaining({ error: expect.any(String), error_code: expect.any(String) }),
      )
    }
  })
})
