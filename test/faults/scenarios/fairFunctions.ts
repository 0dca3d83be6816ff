import { appClient, mustLogIn } from '../appClient'
import { check, type FaultScenario } from '../FaultScenario'
import { startServerProcess } from '../serverProcess'
import { waitUntil } from '../statusTally'

const SLOW_MS = 3_000
// One user may run this many calls at once (the default maxConcurrentCallsPerUser).
const PER_USER = 10

const median = (values: readonly number[]): number =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

/**
 * One user runs as many slow function calls as it may (ten calls of 3 s, more than there are
 * workers): its next one is refused with 429, and another user's calls still run at once,
 * in about their usual time, instead of waiting for a worker to come free.
 */
export const fairFunctions: FaultScenario = {
  name: "G8: one user's slow function calls do not hold another's",
  needsPostgres: false,
  timeoutMs: 90_000,
  async run() {
    const server = await startServerProcess({})
    try {
      const client = appClient(server.url)
      const busy = await mustLogIn(server.url)
      const other = await mustLogIn(server.url)
      const timeCalls = async () => {
        const times: number[] = []
        for (let i = 0; i < 5; i++) {
          const answer = await client.callFunction(other.access_token, 'whoAmI')
          check(answer.status === 200, `the other user's call answered ${answer.status}`)
          times.push(answer.ms)
        }
        return times
      }
      const alone = await timeCalls()
      let started = 0
      const slow = Array.from({ length: PER_USER }, async () => {
        started += 1
        return client.callFunction(busy.access_token, 'sleep', [SLOW_MS])
      })
      await waitUntil(() => started === PER_USER, 5_000, 'slow calls sent')
      // Let the slow calls reach the workers before the other user asks.
      await new Promise((resolve) => setTimeout(resolve, 500))
      const beyond = await client.callFunction(busy.access_token, 'sleep', [10])
      const during = await timeCalls()
      const answers = await Promise.all(slow)
      check(beyond.status === 429, `an 11th call of the busy user answered ${beyond.status}`)
      check(
        answers.every((answer) => answer.status === 200),
        `the slow calls answered ${answers.map((answer) => answer.status).join(' ')}`,
      )
      check(
        Math.max(...during) < SLOW_MS / 2,
        `the other user waited ${Math.max(...during).toFixed(0)} ms behind the slow calls`,
      )
      return `another user's call: ${median(alone).toFixed(0)} ms alone, ${median(during).toFixed(0)} ms (slowest ${Math.max(...during).toFixed(0)}) while one user runs ${PER_USER} calls of ${SLOW_MS / 1000} s; its 11th call 429`
    } finally {
      await server.stop()
    }
  },
}
