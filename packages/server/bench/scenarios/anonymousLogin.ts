import type { BenchScenario } from '../BenchScenario'

/** Anonymous logins: each creates a user and a session, with no password hashing. */
export const scenario: BenchScenario = {
  name: 'anonymous login',
  unit: 'logins/s',
  order: 40,
  prepare(target) {
    return Promise.resolve([
      {
        method: 'POST',
        path: `/api/client/v2.0/app/${target.appId}/auth/providers/anon-user/login`,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: '{"options":{"device":{"sdkVersion":"2.0.1","platform":"node"}}}',
      },
    ])
  },
}
