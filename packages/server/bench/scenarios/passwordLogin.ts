import type { BenchScenario } from '../BenchScenario'

/**
 * Email/password logins at production hashing cost (argon2id m=19456 KiB, t=2, p=1): bounded by the
 * hash, as Keycloak's sizing guide finds (docs/reliability.md §1e, I1). Each login opens a session.
 */
export const scenario: BenchScenario = {
  name: 'password login',
  unit: 'logins/s',
  order: 30,
  async prepare(target) {
    const users = await Promise.all(Array.from({ length: 8 }, () => target.passwordUser()))
    return users.map(({ email, password }) => ({
      method: 'POST',
      path: `/api/client/v2.0/app/${target.appId}/auth/providers/local-userpass/login`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ username: email, password }),
    }))
  },
}
