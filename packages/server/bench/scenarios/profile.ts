import type { BenchScenario } from '../BenchScenario'

/** `GET /auth/profile` with an access token: a signature check, a session check, a user read. */
export const scenario: BenchScenario = {
  name: 'profile',
  unit: 'profile reads/s',
  order: 20,
  async prepare(target) {
    const logins = await Promise.all(Array.from({ length: 16 }, () => target.anonymousLogin()))
    return logins.map((login) => ({
      method: 'GET',
      path: '/api/client/v2.0/auth/profile',
      headers: { authorization: `Bearer ${login.access_token}`, accept: 'application/json' },
    }))
  },
}
