import { fileURLToPath } from 'node:url'
import { startTestServer, testStores, type TestServer } from '@react-custom-data/server/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createRealmWebApp, Realm } from '../support/realmWeb'

// realm-web 2.0.1's mongoClient against collection rules written in App Services' whole rules
// language. Each test names the App Services documentation it copies (mongodb/docs-app-services:
// source/rules/roles.txt, rules/expressions.txt, rules/examples.txt, rules/filters.txt,
// mongodb/tables/role-configuration.rst).
const { ObjectId } = Realm.BSON
const rulesAppDir = fileURLToPath(
  new URL('../../packages/server/fixtures/rules-app', import.meta.url),
)

interface Doc {
  _id: unknown
  [key: string]: unknown
}

describe.each(testStores())(
  'realm-web 2.0.1 against every rule operator, on $kind',
  (storeKind) => {
    let server: TestServer
    beforeAll(async () => {
      server = await startTestServer({
        appDir: rulesAppDir,
        storeKind,
        ruleFunctionTimeLimitMs: 1_000,
      })
    })
    afterAll(() => server.close())

    const logIn = async () => {
      const app = createRealmWebApp(server.url, 'rules-app-abcde')
      const user = await app.logIn(Realm.Credentials.anonymous(false))
      const db = user.mongoClient('mongodb-atlas').db('app')
      const seed = (coll: string, docs: Record<string, unknown>[]) =>
        user.functions.seed!(coll, docs)
      return { user, db, seed }
    }

    it('field-level permissions: each role sees and writes only its fields (rules/roles, the Manager and Employee example)', async () => {
      const andy = await logIn()
      const phyllis = await logIn()
      const stanley = await logIn()
      const _id = new ObjectId()
      await andy.seed('employees', [
        {
          _id,
          name: 'Phyllis',
          team: 'sales',
          userId: phyllis.user.id,
          managerId: andy.user.id,
          salary: 50,
          review: { score: 4, notes: 'private' },
          phone: '555',
        },
      ])
      const coll = (who: typeof andy) => who.db.collection<Doc>('employees')

      // The manager: every field, but of the review only its score (embedded field permissions).
      expect(await coll(andy).findOne({ _id })).toEqual({
        _id,
        name: 'Phyllis',
        team: 'sales',
        userId: phyllis.user.id,
        managerId: andy.user.id,
        salary: 50,
        review: { score: 4 },
        phone: '555',
      })
      // The employee: not the review; may change her phone, not her salary.
      expect(await coll(phyllis).findOne({ _id })).not.toHaveProperty('review')
      expect(await coll(phyllis).updateOne({ _id }, { $set: { phone: '556' } })).toEqual({
        matchedCount: 1,
        modifiedCount: 1,
      })
      await expect(
        coll(phyllis).updateOne({ _id }, { $set: { salary: 99 } }),
      ).rejects.toMatchObject({
        statusCode: 403,
        errorCode: 'NoMatchingRuleFound',
      })
      // A colleague: name and team; fields it may not read cannot be probed with a query.
      expect(await coll(stanley).find({})).toEqual([{ _id, name: 'Phyllis', team: 'sales' }])
      expect(await coll(stanley).find({ salary: 50 })).toEqual([])
      await expect(coll(stanley).updateOne({ _id }, { $set: { team: 'x' } })).rejects.toMatchObject(
        {
          statusCode: 403,
        },
      )
      // The manager may set the review's score, not its notes; inserts and deletes need the role's
      // insert/delete and write on every field (role-configuration, "insert", "delete").
      expect(await coll(andy).updateOne({ _id }, { $set: { 'review.score': 5 } })).toMatchObject({
        modifiedCount: 1,
      })
      await expect(
        coll(andy).updateOne({ _id }, { $set: { 'review.notes': 'changed' } }),
      ).rejects.toMatchObject({ statusCode: 403 })
      await expect(
        coll(phyllis).insertOne({ userId: phyllis.user.id, name: 'Phyllis 2' }),
      ).rejects.toMatchObject({ statusCode: 403 })
      await expect(coll(phyllis).deleteOne({ _id })).rejects.toMatchObject({ statusCode: 403 })
    })

    it('%stringToOid: a user owns the document whose _id is their id as an ObjectId (rules/expressions)', async () => {
      const a = await logIn()
      const b = await logIn()
      const idOf = (who: typeof a) => ObjectId.createFromHexString(who.user.id)
      await a.seed('accounts', [
        { _id: idOf(a), plan: 'free' },
        { _id: idOf(b), plan: 'pro' },
      ])
      expect(await a.db.collection<Doc>('accounts').find({})).toEqual([
        { _id: idOf(a), plan: 'free' },
      ])
      expect(
        await b.db.collection<Doc>('accounts').updateOne({}, { $set: { plan: 'team' } }),
      ).toMatchObject({ matchedCount: 1 })
      expect(await b.db.collection<Doc>('accounts').findOne({})).toEqual({
        _id: idOf(b),
        plan: 'team',
      })
    })

    it('%oidToString: a label belongs to the user its ObjectId owner field spells (rules/expressions)', async () => {
      const a = await logIn()
      const b = await logIn()
      await a.seed('labels', [
        { owner: ObjectId.createFromHexString(a.user.id), text: 'a' },
        { owner: ObjectId.createFromHexString(b.user.id), text: 'b' },
      ])
      const labels = await b.db.collection<Doc>('labels').find({})
      expect(labels.map((label) => label.text)).toEqual(['b'])
    })

    it('%function: a rule that calls a function (rules/examples, A Field Satisfies a Complex Condition)', async () => {
      const a = await logIn()
      await a.seed(
        'evens',
        [1, 2, 3, 4].map((n) => ({ n })),
      )
      const found = await a.db.collection<Doc>('evens').find({}, { sort: { n: 1 } })
      expect(found.map((doc) => doc.n)).toEqual([2, 4])
    })

    it('%function under its own time limit: a function that never answers denies, it does not hang', async () => {
      const a = await logIn()
      await a.seed('slow', [{ n: 1 }])
      expect(await a.db.collection<Doc>('slow').find({})).toEqual([])
      // The worker it spun in was replaced: functions still answer.
      await a.seed('evens', [{ n: 6 }])
    })

    it('%%environment and %%request: the environment tag and values, the caller address (rules/expressions)', async () => {
      const a = await logIn()
      await a.seed('gold', [{ g: 1 }])
      await a.seed('nearby', [{ near: true }])
      // realm.config.json's environment is production, whose tier is gold.
      expect(await a.db.collection<Doc>('gold').count({})).toBe(1)
      // The test calls from 127.0.0.1, listed in %%values.localAddresses.
      expect(await a.db.collection<Doc>('nearby').count({})).toBe(1)
    })

    it('%%partition never has a value outside partition-based Sync: the role never applies', async () => {
      const a = await logIn()
      await a.seed('partitioned', [{ owner: a.user.id }])
      expect(await a.db.collection<Doc>('partitioned').find({})).toEqual([])
      expect(server.server.context.app.warnings).toContainEqual(
        expect.stringContaining('%%partition'),
      )
    })

    it('filters: a query added to every request and a projection on every document (rules/filters)', async () => {
      const a = await logIn()
      await a.seed('catalog', [
        { sku: 'on', published: true, costPrice: 3, price: 5 },
        { sku: 'off', published: false, costPrice: 3, price: 5 },
      ])
      const visible = await a.db.collection<Doc>('catalog').find({})
      expect(visible.map(({ _id, ...rest }) => rest)).toEqual([
        { sku: 'on', published: true, price: 5 },
      ])
    })

    it('insert needs write on every field of the new document, and the role’s insert (role-configuration)', async () => {
      const a = await logIn()
      const inserts = a.db.collection<Doc>('inserts')
      expect(await inserts.insertOne({ kind: 'note', text: 'hello' })).toMatchObject({
        insertedId: expect.any(ObjectId),
      })
      await expect(inserts.insertOne({ kind: 'note', text: 'x', extra: 1 })).rejects.toMatchObject({
        statusCode: 403,
      })
      await expect(inserts.insertOne({ kind: 'locked' })).rejects.toMatchObject({ statusCode: 403 })
      await a.seed('inserts', [{ kind: 'locked', n: 1 }])
      expect(await inserts.updateOne({ kind: 'locked' }, { $set: { n: 2 } })).toMatchObject({
        modifiedCount: 1,
      })
    })

    it('a rules.json without roles falls back to the default roles (rules/roles, How App Services Assigns Roles)', async () => {
      const a = await logIn()
      await a.seed('shared', [
        { owner: a.user.id, s: 1 },
        { owner: 'someone else', s: 2 },
      ])
      const found = await a.db.collection<Doc>('shared').find({})
      expect(found.map((doc) => doc.s)).toEqual([1])
    })

    it('the insert-only role: insert, but neither read nor delete (rules/examples, Insert-Only Roles)', async () => {
      const a = await logIn()
      const inbox = a.db.collection<Doc>('inbox')
      await inbox.insertOne({ message: 'hi' })
      expect(await inbox.find({})).toEqual([])
      expect(await inbox.deleteMany({})).toEqual({ deletedCount: 0 })
    })
  },
)
