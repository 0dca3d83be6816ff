import { spawnCli } from '@react-custom-data/server/testing'
import { appClient, mustLogIn } from '../appClient'
import { check, type FaultScenario } from '../FaultScenario'
import { FUNCTIONS_APP_DIR, startServerProcess, type ServerProcess } from '../serverProcess'
import { waitUntil } from '../statusTally'

const kidOf = (token: string): string =>
  (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as { kid: string })
    .kid

/**
 * Two server processes of one app on one database, as behind a load balancer: a session opened
 * on one refreshes and ends on the other, racing refreshes of a rotating token on both get one
 * successor, and a signing-key rotation (the CLI, then a rolling restart) keeps every token valid
 * on both.
 */
export const twoProcesses: FaultScenario = {
  name: 'B9, B16, B17: two processes on one database',
  needsPostgres: true,
  timeoutMs: 150_000,
  async run(context) {
    const databaseUrl = await context.createDatabase('faults_two')
    let a: ServerProcess | undefined
    let b: ServerProcess | undefined
    try {
      a = await startServerProcess({ databaseUrl })
      b = await startServerProcess({ databaseUrl })
      const atA = appClient(a.url)
      let atB = appClient(b.url)

      // Refresh anywhere: a session opened at A refreshes at B, and its token is good at B.
      const plain = await mustLogIn(a.url)
      const refreshed = await atB.refresh(plain.refresh_token)
      check(refreshed.status === 201, `refresh at B of A's session answered ${refreshed.status}`)
      check((await atB.profile(plain.access_token)).status === 200, "A's token refused at B")

      // Rotation races: ten refreshes of one rotating token at once, half at each process.
      const rotating = await mustLogIn(a.url, true)
      const race = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? atA : atB).refresh(rotating.refresh_token),
        ),
      )
      check(
        race.every((answer) => answer.status === 201),
        `racing refreshes answered ${race.map((answer) => answer.status).join(' ')}`,
      )
      const successors = new Set(race.map((answer) => answer.body?.refresh_token))
      check(successors.size === 1, `${successors.size} different successors for one token`)
      const successor = [...successors][0] as string
      const next = await atB.refresh(successor)
      check(next.status === 201, `the successor's refresh answered ${next.status}`)

      // Logout anywhere: a session ended at A is over at B, refresh and session-checked calls.
      const ended = await mustLogIn(b.url)
      const logout = await atA.logOut(ended.refresh_token)
      check(logout.status === 204, `logout at A answered ${logout.status}`)
      check((await atB.refresh(ended.refresh_token)).status === 401, 'refreshed at B after logout')
      const call = await atB.callFunction(ended.access_token, 'whoAmI')
      check(call.status === 401, `a function call at B after logout answered ${call.status}`)

      // Key rotation: the CLI rotates in the database, then B restarts (a rolling deploy).
      const before = await mustLogIn(a.url)
      const rotate = spawnCli([
        'keys',
        'rotate-signing',
        '--app',
        FUNCTIONS_APP_DIR,
        '--database-url',
        databaseUrl,
      ])
      check((await rotate.exited) === 0, `keys rotate-signing failed: ${rotate.output().stderr}`)
      await b.stop()
      b = await startServerProcess({ databaseUrl })
      atB = appClient(b.url)
      const after = await mustLogIn(b.url)
      check(kidOf(after.access_token) !== kidOf(before.access_token), 'B signs with the old key')
      check((await atB.profile(before.access_token)).status === 200, 'an old-key token refused')
      // A meets the new key's kid and reads it from the database (at most every 5 s).
      await waitUntil(
        async () => (await atA.profile(after.access_token)).status === 200,
        15_000,
        "A accepting B's new-key token",
      )
      return 'refresh anywhere; 10 racing refreshes → 1 successor; logout anywhere; key rotation with a rolling restart: all tokens valid on both'
    } finally {
      await a?.stop()
      await b?.stop()
    }
  },
}
