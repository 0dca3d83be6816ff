import type { BenchScenario } from '../BenchScenario'

/**
 * `POST /auth/session` with a refresh token, as realm-web's `refreshCustomData()`: one session
 * lookup, one custom-data read, one token signature. Sessions do not rotate (realm-web's kind);
 * 16 users so that the requests do not all hit one row.
 */
export const scenario: BenchScenario = {
  name: 'refresh',
  unit: 'refreshes/s',
  order: 10,
  async prepare(target) {
    const logins = await Promise.all(Array.from({ length: 16 }, () => target.anonymousLogin()))
    // Give half of them custom data, so the lookup finds a document as often as not.
    await Promise.all(
      logins
        .filter((_, i) => i % 2 === 0)
        .map((login) =>
          target.post(
            `/app/${target.appId}/functions/call`,
            { name: 'writeCustomUserData', arguments: [{ favoriteFood: 'pizza', theme: 'dark' }] },
            login.access_token,
          ),
        ),
    )
    return logins.map((login) => ({
      method: 'POST',
      path: '/api/client/v2.0/auth/session',
      headers: { authorization: `Bearer ${login.refresh_token}`, accept: 'application/json' },
    }))
  },
}
