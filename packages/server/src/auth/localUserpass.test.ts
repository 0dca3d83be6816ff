import { hash as argon2Hash } from '@node-rs/argon2'
import { scryptSync } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { loadAppFolder } from '../appFolder/loadAppFolder'
import { createLogger } from '../createLogger'
import { createServer } from '../createServer'
import { testStores } from '../testing/testStores'
import {
  appFolderVariant,
  authAppDir,
  createCapturingMailer,
  createInProcessServer,
  decodeJwtPayload,
  tokenOfLink,
  type InProcessServer,
} from '../testUtils'

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const started = performance.now()
  await work()
  return performance.now() - started
}

describe.each(testStores())('local-userpass with confirmation by email on $kind', (storeKind) => {
  let s: InProcessServer
  const mailer = createCapturingMailer()
  let now = Date.parse('2030-01-01T00:00:00Z')
  const clock = { now: () => now }
  let seq = 0
  const newEmail = (prefix = 'user') => `${prefix}-${++seq}@example.com`

  const register = (email: string, password: string) =>
    s.provider('local-userpass', 'register', { email, password })
  const logIn = (username: string, password: string) =>
    s.provider('local-userpass', 'login', { username, password })
  const lastMailTo = (email: string) => mailer.sent.filter((mail) => mail.to === email).at(-1)
  const confirmedUser = async (email: string, password: string) => {
    expect((await register(email, password)).status).toBe(201)
    const confirm = await s.provider(
      'local-userpass',
      'confirm',
      tokenOfLink(lastMailTo(email)?.link),
    )
    expect(confirm.status).toBe(201)
  }

  beforeAll(async () => {
    s = await createInProcessServer(storeKind, {
      appDir: authAppDir,
      mailer,
      clock,
      secrets: { jwtSigningKey: 'a-test-signing-secret-of-32-bytes-or-more' },
    })
  })
  afterAll(() => s.close())

  it('A1: registers with a 201 and stores an argon2id hash at OWASP parameters (m=19456, t=2, p=1)', async () => {
    // The shared server hashes cheaply for speed; this one uses the production defaults.
    const production = await createServer({
      app: await loadAppFolder(authAppDir),
      store: s.store,
      logger: createLogger('silent'),
      rateLimits: false,
      mailer,
      secrets: { jwtSigningKey: 'a-test-signing-secret-of-32-bytes-or-more' },
    })
    const email = newEmail()
    const answer = await production.fetch(
      new Request(
        `http://localhost/api/client/v2.0/app/${s.appId}/auth/providers/local-userpass/register`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ email, password: 'correct horse battery' }),
        },
      ),
    )
    expect(answer.status).toBe(201)
    const [row] = await s.store.query<{ password_hash: string; user_id: string | null }>(
      'SELECT password_hash, user_id FROM userpass_accounts WHERE email = $1',
      [email],
    )
    expect(row?.password_hash).toMatch(
      /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/,
    )
    expect(row?.user_id).toBeNull()
    await production.close()
  })

  it('confirms through the mailed link, then logs in with tokens, a profile and the creation function’s data', async () => {
    const email = newEmail()
    expect((await register(email, 'correct horse battery')).body).toBeNull()
    const mail = lastMailTo(email)
    expect(mail).toMatchObject({ kind: 'confirm', subject: 'Confirm your account' })
    expect(mail?.link).toMatch(
      /^https:\/\/app\.example\.com\/confirm\?token=[0-9a-f]{64}&tokenId=[0-9a-f]{24}$/,
    )
    expect((await s.provider('local-userpass', 'confirm', tokenOfLink(mail?.link))).status).toBe(
      201,
    )

    const login = await logIn(email, 'correct horse battery')
    expect(login.status).toBe(200)
    const body = login.body as { access_token: string; user_id: string; profile: unknown }
    expect(body.profile).toMatchObject({
      type: 'normal',
      data: { email },
      identities: [{ provider_type: 'local-userpass', provider_data: { email } }],
    })
    expect(decodeJwtPayload(body.access_token).user_data).toMatchObject({
      user_id: body.user_id,
      plan: 'free',
      createdBy: 'onUserCreated',
    })
  })

  it('refuses a used or expired confirmation token', async () => {
    const email = newEmail()
    await confirmedUser(email, 'correct horse battery')
    const [link] = mailer.sent.filter((mail) => mail.to === email)
    const again = await s.provider('local-userpass', 'confirm', tokenOfLink(link?.link))
    expect(again).toMatchObject({ status: 400, body: { error_code: 'UserpassTokenInvalid' } })

    const late = newEmail()
    expect((await register(late, 'correct horse battery')).status).toBe(201)
    now += 31 * 60 * 1000
    const expired = await s.provider(
      'local-userpass',
      'confirm',
      tokenOfLink(lastMailTo(late)?.link),
    )
    expect(expired).toMatchObject({ status: 400, body: { error_code: 'UserpassTokenInvalid' } })
    // A fresh link works.
    expect((await s.provider('local-userpass', 'confirm/send', { email: late })).status).toBe(201)
    const confirm = await s.provider(
      'local-userpass',
      'confirm',
      tokenOfLink(lastMailTo(late)?.link),
    )
    expect(confirm.status).toBe(201)
    expect((await logIn(late, 'correct horse battery')).status).toBe(200)
  })

  it('A2: registering a taken address answers like a new one, creates nothing and mails the owner', async () => {
    const email = newEmail()
    await confirmedUser(email, 'correct horse battery')
    const count = async () =>
      Number((await s.store.query<{ n: string }>('SELECT count(*) AS n FROM users'))[0]?.n)
    const before = await count()
    const fresh = await register(newEmail(), 'another good password')
    const taken = await register(email, 'another good password')
    expect(taken.status).toBe(fresh.status)
    expect(taken.body).toEqual(fresh.body)
    expect(taken.headers.get('content-type')).toBe(fresh.headers.get('content-type'))
    expect(await count()).toBe(before)
    expect(lastMailTo(email)).toMatchObject({ kind: 'already-registered' })
    expect((await logIn(email, 'another good password')).status).toBe(401)

    const newTimes: number[] = []
    const takenTimes: number[] = []
    for (let i = 0; i < 15; i++) {
      newTimes.push(await timed(() => register(newEmail('timing'), 'another good password')))
      takenTimes.push(await timed(() => register(email, 'another good password')))
    }
    expect(Math.abs(median(newTimes) - median(takenTimes))).toBeLessThan(50)
  })

  it('A2: a pending registration by someone else cannot hijack the account the owner confirms', async () => {
    // Pre-account hijacking: an attacker registers the victim's address first. The victim, told
    // nothing, registers too and confirms the link mailed for that registration; the account must
    // then open with the victim's password, never the attacker's.
    const email = newEmail('victim')
    expect((await register(email, 'attacker password')).status).toBe(201)
    expect((await register(email, 'victim password')).status).toBe(201)
    const confirm = await s.provider(
      'local-userpass',
      'confirm',
      tokenOfLink(lastMailTo(email)?.link),
    )
    expect(confirm.status).toBe(201)
    expect((await logIn(email, 'victim password')).status).toBe(200)
    expect(await logIn(email, 'attacker password')).toMatchObject({
      status: 401,
      body: { error_code: 'InvalidPassword' },
    })
  })

  it('A3: an unknown address and a wrong password get the same answer in the same time', async () => {
    // Hashing as costly as it needs to be for the timing to mean something, cheap enough for 400 logins.
    const measured = await createServer({
      app: await loadAppFolder(authAppDir),
      store: s.store,
      logger: createLogger('silent'),
      rateLimits: false,
      passwordHashing: { params: { memoryCost: 4096, timeCost: 2, parallelism: 1 } },
      secrets: { jwtSigningKey: 'a-test-signing-secret-of-32-bytes-or-more' },
    })
    const email = newEmail()
    await confirmedUser(email, 'correct horse battery')
    // Rehash at the measured server's parameters so both paths verify the same way.
    await measured.fetch(
      new Request(
        `http://localhost/api/client/v2.0/app/${s.appId}/auth/providers/local-userpass/login`,
        {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: email, password: 'correct horse battery' }),
        },
      ),
    )
    const attempt = async (username: string) => {
      const started = performance.now()
      const response = await measured.fetch(
        new Request(
          `http://localhost/api/client/v2.0/app/${s.appId}/auth/providers/local-userpass/login`,
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ username, password: 'wrong password!' }),
          },
        ),
      )
      return {
        ms: performance.now() - started,
        status: response.status,
        body: await response.text(),
      }
    }
    const unknown: number[] = []
    const wrong: number[] = []
    for (let i = 0; i < 200; i++) {
      const a = await attempt(`nobody-${i}@example.com`)
      const b = await attempt(email)
      expect(a.status).toBe(401)
      expect(b.status).toBe(401)
      expect(a.body).toBe(b.body)
      unknown.push(a.ms)
      wrong.push(b.ms)
    }
    expect(JSON.parse((await attempt(email)).body)).toEqual({
      error: 'unauthorized',
      error_code: 'InvalidPassword',
    })
    expect(Math.abs(median(unknown) - median(wrong))).toBeLessThan(50)
    // The unknown address really pays for a verification (the dummy hash), not just a lookup.
    expect(median(unknown)).toBeGreaterThan(median(wrong) * 0.5)
    await measured.close()
  })

  it('A4: "confirmation required" only once the password checked out', async () => {
    const email = newEmail()
    expect((await register(email, 'correct horse battery')).status).toBe(201)
    expect(await logIn(email, 'wrong password!')).toMatchObject({
      status: 401,
      body: { error_code: 'InvalidPassword', error: 'unauthorized' },
    })
    expect(await logIn(email, 'correct horse battery')).toMatchObject({
      status: 401,
      body: { error_code: 'UserPendingConfirmation', error: 'confirmation required' },
    })
  })

  it('A5: a password shorter than 8 characters is refused with reason "length", and nothing is kept', async () => {
    const email = newEmail()
    const answer = await register(email, 'seven77')
    expect(answer).toMatchObject({
      status: 400,
      body: { error_code: 'InvalidParameter', reason: 'length' },
    })
    expect(
      await s.store.query('SELECT 1 FROM userpass_accounts WHERE email = $1', [email]),
    ).toEqual([])
    expect(lastMailTo(email)).toBeUndefined()
  })

  it('A6: a 64-character multibyte passphrase works exactly, and one changed character fails', async () => {
    const email = newEmail()
    const passphrase = 'é'.repeat(64)
    await confirmedUser(email, passphrase)
    expect((await logIn(email, passphrase)).status).toBe(200)
    expect((await logIn(email, `${'é'.repeat(63)}e`)).status).toBe(401)
    expect((await logIn(email, 'é'.repeat(63))).status).toBe(401)
  })

  it('A7: a 1 MiB password is refused before any hashing', async () => {
    const hashSpy = vi.spyOn(s.server.context.passwords, 'hash')
    const verifySpy = vi.spyOn(s.server.context.passwords, 'verify')
    const dummySpy = vi.spyOn(s.server.context.passwords, 'verifyDummy')
    const huge = 'x'.repeat(1024 * 1024 - 200)
    const registered = await register(newEmail(), huge)
    expect(registered).toMatchObject({ status: 400, body: { reason: 'length' } })
    const login = await logIn(newEmail(), huge)
    expect(login).toMatchObject({ status: 400, body: { reason: 'length' } })
    const over = await register(newEmail(), 'x'.repeat(1024 * 1024 + 10))
    expect(over).toMatchObject({ status: 413, body: { error_code: 'PayloadTooLarge' } })
    expect(hashSpy).not.toHaveBeenCalled()
    expect(verifySpy).not.toHaveBeenCalled()
    expect(dummySpy).not.toHaveBeenCalled()
  })

  it('A12: a hash made with older parameters (argon2id or scrypt) logs in and is rehashed to today’s', async () => {
    const params = s.server.context.passwords.params
    const current = `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$`
    const weakArgon = await argon2Hash('correct horse battery', {
      memoryCost: 2048,
      timeCost: 1,
      parallelism: 1,
      algorithm: 2,
    })
    const salt = Buffer.from('0123456789abcdef')
    const scrypt = `$scrypt$ln=14,r=8,p=1$${salt.toString('base64')}$${scryptSync('correct horse battery', salt, 32, { N: 2 ** 14, r: 8, p: 1 }).toString('base64')}`
    for (const old of [weakArgon, scrypt]) {
      const email = newEmail()
      await confirmedUser(email, 'placeholder password')
      await s.store.query('UPDATE userpass_accounts SET password_hash = $2 WHERE email = $1', [
        email,
        old,
      ])
      expect((await logIn(email, 'wrong password!')).status).toBe(401)
      const [unchanged] = await s.store.query<{ password_hash: string }>(
        'SELECT password_hash FROM userpass_accounts WHERE email = $1',
        [email],
      )
      expect(unchanged?.password_hash).toBe(old)
      expect((await logIn(email, 'correct horse battery')).status).toBe(200)
      const [row] = await s.store.query<{ password_hash: string }>(
        'SELECT password_hash FROM userpass_accounts WHERE email = $1',
        [email],
      )
      expect(row?.password_hash.startsWith(current)).toBe(true)
      expect((await logIn(email, 'correct horse battery')).status).toBe(200)
    }
  })

  it('resets a password through the mailed link: the old one and every session stop working', async () => {
    const email = newEmail()
    await confirmedUser(email, 'correct horse battery')
    const session = (await logIn(email, 'correct horse battery')).body as { refresh_token: string }
    expect((await s.provider('local-userpass', 'reset/send', { email })).status).toBe(201)
    const mail = lastMailTo(email)
    expect(mail).toMatchObject({ kind: 'reset', subject: 'Reset your password' })
    expect(mail?.link).toMatch(/^https:\/\/app\.example\.com\/reset\?token=/)
    const reset = await s.provider('local-userpass', 'reset', {
      ...tokenOfLink(mail?.link),
      password: 'a brand new password',
    })
    expect(reset.status).toBe(201)
    expect((await logIn(email, 'correct horse battery')).status).toBe(401)
    expect((await logIn(email, 'a brand new password')).status).toBe(200)
    expect(
      (await s.request('POST', '/auth/session', { token: session.refresh_token })).status,
    ).toBe(401)
    const replay = await s.provider('local-userpass', 'reset', {
      ...tokenOfLink(mail?.link),
      password: 'yet another password',
    })
    expect(replay).toMatchObject({ status: 400, body: { error_code: 'UserpassTokenInvalid' } })
  })

  it('answers reset/send and confirm/send the same for unknown addresses, and mails nobody', async () => {
    const before = mailer.sent.length
    const unknown = 'nobody-here@example.com'
    expect((await s.provider('local-userpass', 'reset/send', { email: unknown })).status).toBe(201)
    expect((await s.provider('local-userpass', 'confirm/send', { email: unknown })).status).toBe(
      201,
    )
    expect(mailer.sent.length).toBe(before)
    expect((await s.provider('local-userpass', 'confirm/call', { email: unknown })).status).toBe(
      400,
    )
  })

  it('ignores an Authorization header on the email/password routes (docs/protocol.md §4)', async () => {
    const answer = await s.request(
      'POST',
      `/app/${s.appId}/auth/providers/local-userpass/register`,
      {
        body: { email: newEmail(), password: 'correct horse battery' },
        token: 'not-a-valid-token',
      },
    )
    expect(answer.status).toBe(201)
  })

  it('explains missing fields and bad addresses', async () => {
    expect(await register('', 'correct horse battery')).toMatchObject({
      status: 400,
      body: { error_code: 'MissingParameter', error: 'expected "email" to be a non-empty string' },
    })
    expect(await register('not-an-email', 'correct horse battery')).toMatchObject({
      status: 400,
      body: { error_code: 'InvalidParameter', reason: 'email' },
    })
    expect(await s.provider('local-userpass', 'login', { username: 'a@b.c' })).toMatchObject({
      status: 400,
      body: { error_code: 'MissingParameter' },
    })
  })
})

describe.each(testStores())(
  'local-userpass with functions and auto-confirmation on $kind',
  (storeKind) => {
    let withFunctions: InProcessServer
    let autoConfirm: InProcessServer
    const secrets = { jwtSigningKey: 'a-test-signing-secret-of-32-bytes-or-more' }

    beforeAll(async () => {
      const providers = (config: Record<string, unknown>) => ({
        'local-userpass': { name: 'local-userpass', type: 'local-userpass', config },
      })
      const functionsDir = await appFolderVariant(authAppDir, {
        'auth/providers.json': providers({
          runConfirmationFunction: true,
          confirmationFunctionName: 'confirm',
          runResetFunction: true,
          resetFunctionName: 'resetPassword',
        }),
      })
      const autoDir = await appFolderVariant(authAppDir, {
        'auth/providers.json': providers({ autoConfirm: true }),
      })
      withFunctions = await createInProcessServer(storeKind, { appDir: functionsDir, secrets })
      autoConfirm = await createInProcessServer(storeKind, {
        appDir: autoDir,
        secrets,
        shareStore: withFunctions.store,
      })
    })
    afterAll(async () => {
      await withFunctions.close()
      await autoConfirm.close()
    })

    const userpass = (s: InProcessServer, action: string, body: unknown) =>
      s.provider('local-userpass', action, body)

    it('runs the confirmation function: success confirms, pending waits, fail keeps nothing', async () => {
      expect(
        (
          await userpass(withFunctions, 'register', {
            email: 'ok-1@example.com',
            password: 'good password',
          })
        ).status,
      ).toBe(201)
      expect(
        (
          await userpass(withFunctions, 'login', {
            username: 'ok-1@example.com',
            password: 'good password',
          })
        ).status,
      ).toBe(200)

      expect(
        (
          await userpass(withFunctions, 'register', {
            email: 'later-1@example.com',
            password: 'good password',
          })
        ).status,
      ).toBe(201)
      expect(
        await userpass(withFunctions, 'login', {
          username: 'later-1@example.com',
          password: 'good password',
        }),
      ).toMatchObject({
        status: 401,
        body: { error_code: 'UserPendingConfirmation' },
      })
      expect(
        (await userpass(withFunctions, 'confirm/call', { email: 'later-1@example.com' })).status,
      ).toBe(201)

      const refused = await userpass(withFunctions, 'register', {
        email: 'no-1@example.com',
        password: 'good password',
      })
      expect(refused).toMatchObject({
        status: 400,
        body: { error: 'the confirmation function refused this user' },
      })
      expect(
        await withFunctions.store.query(
          "SELECT 1 FROM userpass_accounts WHERE email = 'no-1@example.com'",
        ),
      ).toEqual([])
      // Confirmation by function never sends mail, so resending one is refused with a reason.
      expect(
        await userpass(withFunctions, 'confirm/send', { email: 'later-1@example.com' }),
      ).toMatchObject({ status: 400 })
    })

    it('runs the reset function with the extra arguments and currentPasswordValid', async () => {
      const email = 'ok-reset@example.com'
      await userpass(withFunctions, 'register', { email, password: 'first password' })
      const call = (password: string, decision: string) =>
        userpass(withFunctions, 'reset/call', { email, password, arguments: [decision] })
      expect((await call('second password', 'now')).status).toBe(201)
      expect(
        (await userpass(withFunctions, 'login', { username: email, password: 'second password' }))
          .status,
      ).toBe(200)
      expect((await call('third password', 'later')).status).toBe(201)
      expect(
        (await userpass(withFunctions, 'login', { username: email, password: 'second password' }))
          .status,
      ).toBe(200)
      expect((await call('second password', 'same')).status).toBe(201)
      expect(await call('fourth password', 'same')).toMatchObject({ status: 400 })
      // App Services' texts (realm-web's integration tests at 2.0.1).
      expect(await call('fourth password', 'no')).toMatchObject({
        status: 400,
        body: { error: 'failed to reset password for user "ok-reset@example.com"' },
      })
      expect(await userpass(withFunctions, 'reset/send', { email })).toMatchObject({
        status: 400,
        body: { error: 'please use reset password via function' },
      })
    })

    it('confirms at once with autoConfirm, and then a taken address is AccountNameInUse', async () => {
      const email = 'auto@example.com'
      expect(
        (await userpass(autoConfirm, 'register', { email, password: 'good password' })).status,
      ).toBe(201)
      expect(
        (await userpass(autoConfirm, 'login', { username: email, password: 'good password' }))
          .status,
      ).toBe(200)
      expect(
        await userpass(autoConfirm, 'register', { email, password: 'good password' }),
      ).toMatchObject({
        status: 409,
        body: { error_code: 'AccountNameInUse', error: 'name already in use' },
      })
    })

    it("with autoConfirm, resending or rerunning a confirmation answers App Services' texts", async () => {
      const email = 'auto-texts@example.com'
      await userpass(autoConfirm, 'register', { email, password: 'good password' })
      // realm-web's integration tests: "resend email confirmation", "retry custom confirmation".
      expect(await userpass(autoConfirm, 'confirm/send', { email })).toMatchObject({
        status: 400,
        body: { error_code: 'UserAlreadyConfirmed', error: 'already confirmed' },
      })
      expect(await userpass(autoConfirm, 'confirm/call', { email })).toMatchObject({
        status: 400,
        body: {
          error_code: 'BadRequest',
          error: `cannot run confirmation for ${email}: automatic confirmation is enabled`,
        },
      })
    })

    it('E2: two registrations of one address racing leave one account and no 500', async () => {
      const email = 'race@example.com'
      const answers = await Promise.all(
        [1, 2, 3].map(() =>
          userpass(autoConfirm, 'register', { email, password: 'good password' }),
        ),
      )
      expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409])
      const rows = await autoConfirm.store.query(
        'SELECT 1 FROM identities WHERE external_id = $1',
        [email],
      )
      expect(rows).toHaveLength(1)
    })

    it('answers a disabled or missing provider like App Services', async () => {
      const answer = await autoConfirm.provider('anon-user', 'login', {})
      expect(answer).toMatchObject({
        status: 400,
        body: {
          error_code: 'AuthProviderNotFound',
          error: "authentication via 'anon-user' is unsupported",
        },
      })
      expect((await autoConfirm.provider('anon-user', 'register', {})).status).toBe(400)
    })
  },
)
