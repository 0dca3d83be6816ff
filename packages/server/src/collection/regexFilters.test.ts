import { EJSON } from 'bson'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { testStores } from '../testing/testStores'
import { createInProcessServer, type InProcessServer } from '../testUtils'

const functionsAppDir = fileURLToPath(new URL('../../fixtures/functions-app', import.meta.url))

// Sent as realm-web 2.0.1 sends a mongoClient call: the arguments in canonical EJSON
// (`EJSON.serialize(args, { relaxed: false })`), so a regular expression literal arrives as
// `{"$regularExpression": {...}}` and `{ $regex: "mi" }` as it is.
describe.each(testStores())(
  'regular expression filters through the collection API on $kind',
  (kind) => {
    let s: InProcessServer
    let token: string
    let ownerId: string
    beforeAll(async () => {
      s = await createInProcessServer(kind, { appDir: functionsAppDir })
      const login = await s.logInAnonymously()
      token = login.access_token
      ownerId = login.user_id
    })
    afterAll(() => s.close())

    const call = async (name: string, options: Record<string, unknown>) => {
      const answer = await s.request('POST', `/app/${s.appId}/functions/call`, {
        token,
        body: {
          name,
          service: 'mongodb-atlas',
          arguments: [
            EJSON.serialize(
              { database: 'app', collection: 'notes', ...options },
              { relaxed: false },
            ),
          ],
        },
      })
      return { status: answer.status, body: EJSON.deserialize(answer.body as object) as unknown }
    }
    const foods = async (favoriteFood: unknown): Promise<unknown> => {
      const answer = await call('find', { query: { ownerId, favoriteFood }, sort: { n: 1 } })
      expect(answer.status).toBe(200)
      return (answer.body as { favoriteFood: string }[]).map((doc) => doc.favoriteFood)
    }
    const seed = async () => {
      await call('deleteMany', { query: { ownerId } })
      const documents = ['mine', 'lemon', 'pizza', 'a.b*c'].map((favoriteFood, n) => ({
        ownerId,
        n,
        favoriteFood,
      }))
      expect((await call('insertMany', { documents })).status).toBe(200)
    }

    it('$regex filters give wrong answers, and that deletes data: every spelling of a regular expression matches as MongoDB matches it', async () => {
      await seed()
      expect(await foods({ $regex: 'mi' })).toEqual(['mine'])
      expect(await foods({ $regex: 'MI', $options: 'i' })).toEqual(['mine'])
      expect(await foods(/mi/)).toEqual(['mine'])
      expect(await foods(/MI/i)).toEqual(['mine'])
      expect(await foods({ $regex: /mi/ })).toEqual(['mine'])
      expect(await foods({ $regex: /MI/, $options: 'i' })).toEqual(['mine'])
      expect(await foods({ $in: [/mi/, 'pizza'] })).toEqual(['mine', 'pizza'])
      expect(await foods({ $not: { $regex: 'mi' } })).toEqual(['lemon', 'pizza', 'a.b*c'])
      expect(await foods({ $not: /mi/ })).toEqual(['lemon', 'pizza', 'a.b*c'])
      expect(await foods({ $nin: [/mi/] })).toEqual(['lemon', 'pizza', 'a.b*c'])
      // The operators beside $regex are kept (EJSON decoding dropped them).
      expect(await foods({ $regex: 'i', $ne: 'mine' })).toEqual(['pizza'])
      // Extended mode: white space and # comments in the pattern are ignored.
      expect(await foods({ $regex: ' m i  # the start of mine\n', $options: 'x' })).toEqual([
        'mine',
      ])
      // Metacharacters escaped in the pattern match literally.
      expect(await foods({ $regex: '^a\\.b\\*c$' })).toEqual(['a.b*c'])
    })

    it('$regex filters give wrong answers, and that deletes data: deleteMany with $not $regex keeps what matches', async () => {
      await seed()
      const deleted = await call('deleteMany', {
        query: { ownerId, favoriteFood: { $not: { $regex: '^mi' } } },
      })
      expect(deleted).toEqual({ status: 200, body: { deletedCount: 3 } })
      expect(await foods({ $exists: true })).toEqual(['mine'])
    })

    it('$regex filters give wrong answers, and that deletes data: $pull with a regular expression removes only what matches', async () => {
      await call('deleteMany', { query: { ownerId } })
      await call('insertOne', { document: { ownerId, n: 1, tags: ['mine', 'lemon', 'mint'] } })
      await call('insertOne', { document: { ownerId, n: 2, tags: ['mine', 'lemon', 'mint'] } })
      const pull = async (n: number, condition: unknown) =>
        (
          await call('updateOne', {
            query: { ownerId, n },
            update: { $pull: { tags: condition } },
          })
        ).status
      expect(await pull(1, { $regex: '^mi' })).toBe(200)
      expect(await pull(2, /^MIN/i)).toBe(200)
      const answer = await call('find', { query: { ownerId }, sort: { n: 1 } })
      expect((answer.body as { tags: string[] }[]).map((doc) => doc.tags)).toEqual([
        ['lemon'],
        ['lemon'],
      ])
    })

    it('refuses a malformed regular expression with a 400 that says why', async () => {
      const refused = async (favoriteFood: unknown, message: string) => {
        const answer = await call('find', { query: { ownerId, favoriteFood } })
        expect(answer.status).toBe(400)
        expect((answer.body as { error: string }).error).toContain(message)
      }
      await refused({ $regex: 'mi', $options: 'q' }, 'invalid flag in regex options: q')
      await refused({ $regex: /mi/i, $options: 'm' }, 'options set in both $regex and $options')
      await refused({ $regex: '(' }, 'invalid regular expression')
    })
  },
)
