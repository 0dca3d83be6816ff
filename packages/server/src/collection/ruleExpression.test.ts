import { ObjectId } from 'bson'
import { describe, expect, it } from 'vitest'
import { compileRuleExpression, RuleExpressionError, type RuleFunctionCall } from './ruleExpression'

// Each behaviour copies the App Services documentation page named in its title
// (mongodb/docs-app-services, source/rules/expressions.txt unless said otherwise).
const user = {
  id: '65a0000000000000000000a1',
  type: 'normal',
  data: { email: 'ada@example.com' },
  custom_data: { role: 'admin', teams: ['red', 'blue'] },
  identities: [{ id: 'i1', provider_type: 'anon-user' }],
}
const values = { allowed: [user.id, 'u9'], flag: true, allowedClientIPAddresses: ['10.0.0.1'] }
const noDocument = { documentAllowed: false }
const withDocument = { documentAllowed: true }

const holds = (expression: unknown, root?: Record<string, unknown>) =>
  compileRuleExpression(expression, root ? withDocument : noDocument).evaluate({
    user,
    values,
    ...(root ? { root } : {}),
  })

describe('rule expressions (rules/expressions)', () => {
  it('evaluates booleans, {} and %%true / %%false (Logical Expansions)', () => {
    expect(holds(true)).toBe(true)
    expect(holds(false)).toBe(false)
    expect(holds({})).toBe(true)
    expect(holds({ '%%true': true })).toBe(true)
    expect(holds({ '%%true': false })).toBe(false)
    expect(holds({ '%%false': true })).toBe(false)
  })

  it('evaluates %%user and %%values with equality, %in, %nin and %exists (User and Value Expansions)', () => {
    expect(holds({ '%%user.id': user.id })).toBe(true)
    expect(holds({ '%%user.id': 'u2' })).toBe(false)
    expect(holds({ '%%user.custom_data.role': 'admin' })).toBe(true)
    expect(holds({ '%%user.custom_data.role': { '%in': ['owner', 'admin'] } })).toBe(true)
    expect(holds({ '%%user.custom_data.role': { '%nin': ['owner', 'admin'] } })).toBe(false)
    expect(holds({ '%%user.data.email': { '%exists': true } })).toBe(true)
    expect(holds({ '%%user.data.phone': { '%exists': true } })).toBe(false)
    expect(holds({ '%%user.id': { $in: '%%values.allowed' } })).toBe(true)
    expect(holds({ '%%values.flag': true })).toBe(true)
  })

  it('combines with %and and %or, and several fields mean all of them (Multi-Field Expressions)', () => {
    expect(holds({ '%or': [{ '%%user.id': 'nobody' }, { '%%user.type': 'normal' }] })).toBe(true)
    expect(holds({ '%and': [{ '%%user.id': user.id }, { '%%user.type': 'server' }] })).toBe(false)
    expect(holds({ '%%user.type': 'normal', '%%values.flag': false })).toBe(false)
  })

  it('matches documents: the owner field, an array of ids, %%root (rules/examples)', () => {
    expect(holds({ owner_id: '%%user.id' }, { owner_id: user.id })).toBe(true)
    expect(holds({ owner_id: '%%user.id' }, { owner_id: 'u2' })).toBe(false)
    expect(holds({ editors: '%%user.id' }, { editors: ['u3', user.id] })).toBe(true)
    expect(holds({ '%%root.team': { '%in': '%%user.custom_data.teams' } }, { team: 'red' })).toBe(
      true,
    )
    expect(holds({ '%%root.email': '%%user.data.email' }, { email: 'ada@example.com' })).toBe(true)
  })

  it('compares a value from user data as data, never as operators', () => {
    const sneaky = { ...user, data: { team: { $ne: null } } }
    const expression = compileRuleExpression({ team: '%%user.data.team' }, withDocument)
    expect(expression.evaluate({ user: sneaky, values, root: { team: 'red' } })).toBe(false)
    expect(expression.evaluate({ user: sneaky, values, root: { team: { $ne: null } } })).toBe(true)
  })

  it('never matches through a missing value', () => {
    // The user has no custom_data.team; a document without a team must not match either.
    expect(holds({ team: '%%user.custom_data.team' }, { title: 'no team' })).toBe(false)
    expect(holds({ team: { '%in': '%%user.custom_data.nothing' } }, { team: 'x' })).toBe(false)
  })

  it('reads %%environment: its tag and values (Environment Expansions)', () => {
    // The docs' example: true in production when the baseUrl value is defined.
    const expression = compileRuleExpression(
      {
        '%%environment.tag': 'production',
        '%%environment.values.baseUrl': { '%exists': true },
      },
      noDocument,
    )
    const production = { tag: 'production', values: { baseUrl: 'https://example.com' } }
    expect(expression.evaluate({ user, values, environment: production })).toBe(true)
    expect(
      expression.evaluate({ user, values, environment: { ...production, tag: 'development' } }),
    ).toBe(false)
    expect(
      expression.evaluate({ user, values, environment: { tag: 'production', values: {} } }),
    ).toBe(false)
  })

  it('reads %%request: the caller address against a list of values (the Overview example)', () => {
    const expression = compileRuleExpression(
      {
        owner: '%%user.id',
        '%%request.remoteIPAddress': { $in: '%%values.allowedClientIPAddresses' },
      },
      withDocument,
    )
    const request = { remoteIPAddress: '10.0.0.1', requestHeaders: { 'X-Team': ['red'] } }
    const root = { owner: user.id }
    expect(expression.evaluate({ user, values, request, root })).toBe(true)
    expect(
      expression.evaluate({ user, values, request: { remoteIPAddress: '10.0.0.2' }, root }),
    ).toBe(false)
    // No request (a call the server made itself): the condition does not hold.
    expect(expression.evaluate({ user, values, root })).toBe(false)
    expect(holds({ '%%request.requestHeaders.X-Team': 'red' })).toBe(false)
  })

  it('converts with %stringToOid and %oidToString (Convert EJSON Values)', () => {
    const id = ObjectId.createFromHexString(user.id)
    // The docs' examples, as written.
    expect(holds({ _id: { '%stringToOid': '%%user.id' } }, { _id: id })).toBe(true)
    expect(holds({ _id: { '%stringToOid': '%%user.id' } }, { _id: new ObjectId() })).toBe(false)
    expect(holds({ _id: { '%stringToOid': '%%user.id' } }, { _id: user.id })).toBe(false)
    expect(
      holds({ string_id: { '%oidToString': '%%root._id' } }, { _id: id, string_id: user.id }),
    ).toBe(true)
    expect(
      holds({ string_id: { '%oidToString': '%%root._id' } }, { _id: id, string_id: 'x' }),
    ).toBe(false)
    // A literal and an EJSON literal work too; a string that is no ObjectId matches nothing.
    expect(holds({ _id: { '%stringToOid': user.id } }, { _id: id })).toBe(true)
    expect(holds({ s: { '%oidToString': { $oid: user.id } } }, { s: user.id })).toBe(true)
    expect(holds({ _id: { '%stringToOid': '%%user.data.email' } }, { _id: id })).toBe(false)
    // Inside operators.
    expect(holds({ _id: { $in: [{ '%stringToOid': '%%user.id' }] } }, { _id: id })).toBe(true)
  })

  it('calls a function with %function and compares what it returns (Call a Function)', async () => {
    const calls: RuleFunctionCall[] = []
    const callFunction = (call: RuleFunctionCall): Promise<unknown> => {
      calls.push(call)
      if (call.name === 'isEven') return Promise.resolve((call.args[0] as number) % 2 === 0)
      if (call.name === 'teamOf') return Promise.resolve({ name: 'red' })
      return Promise.reject(new Error('no such function'))
    }
    const isEven = (n: unknown) =>
      compileRuleExpression(
        { '%%true': { '%function': { name: 'isEven', arguments: [n] } } },
        withDocument,
      )
    // The docs' example: {"%%true": {"%function": {"name": "isEven", "arguments": [42]}}}.
    expect(await isEven(42).evaluate({ user, values, callFunction })).toBe(true)
    expect(await isEven(43).evaluate({ user, values, callFunction })).toBe(false)
    expect(calls[0]).toEqual({ name: 'isEven', args: [42], user })
    // Arguments expand per document; each distinct call runs once for one caller.
    const bound = isEven('%%root.n').bind({ user, values, callFunction })
    calls.length = 0
    const answers = await Promise.all(
      [2, 3, 2, 2].map((n) => Promise.resolve(bound.test({ root: { n } }))),
    )
    expect(answers).toEqual([true, false, true, true])
    expect(calls.map((call) => call.args)).toEqual([[2], [3]])
    // A result is data, never operators; a failing function (or none to call) denies.
    const team = compileRuleExpression({ team: { '%function': { name: 'teamOf' } } }, withDocument)
    expect(
      await team.evaluate({ user, values, callFunction, root: { team: { name: 'red' } } }),
    ).toBe(true)
    expect(await team.evaluate({ user, values, callFunction, root: { team: 'red' } })).toBe(false)
    const failing = compileRuleExpression(
      { '%%true': { $ne: { '%function': { name: 'missing' } } } },
      noDocument,
    )
    expect(await failing.evaluate({ user, values, callFunction })).toBe(false)
    expect(await isEven(42).evaluate({ user, values })).toBe(false)
    // An argument whose expansion has no value is passed as null.
    calls.length = 0
    await isEven('%%user.custom_data.nothing').evaluate({ user, values, callFunction })
    expect(calls.map((call) => call.args)).toEqual([[null]])
  })

  it('accepts %%partition, which never has a value here (partition-based Sync only)', () => {
    const expression = compileRuleExpression({ owner: '%%partition' }, withDocument)
    expect(expression.notes).toEqual([expect.stringContaining('partition-based Device Sync')])
    expect(expression.evaluate({ user, values, root: { owner: 'p1' } })).toBe(false)
  })

  it('reads %%this and %%prev, a field before and after a write (MongoDB Document Expansions)', () => {
    const expression = compileRuleExpression({ '%%this': { $gt: '%%prev' } }, withDocument)
    expect(expression.evaluate({ user, values, this: 3, prev: 2 })).toBe(true)
    expect(expression.evaluate({ user, values, this: 1, prev: 2 })).toBe(false)
  })

  it('refuses what App Services does not define here, rather than guess', () => {
    const refused = [
      { '%%args.url': 'x' },
      { '%%nothing.x': 'x' },
      { '%where': 'x' },
      { '%function': { name: 'f' } },
      { x: { '%function': { name: 'f', arguments: [{ '%function': { name: 'g' } }] } } },
      { x: { '%function': 'f' } },
      'yes',
    ]
    for (const expression of refused) {
      expect(() => compileRuleExpression(expression, withDocument)).toThrow(RuleExpressionError)
    }
    expect(() => compileRuleExpression({ '%%args.from': 'x' }, noDocument)).toThrow(
      'only in rules of third-party services',
    )
    expect(() => compileRuleExpression({ owner: '%%user.id' }, noDocument)).toThrow(
      '"owner" is a document field, and there is no document here',
    )
    expect(() => compileRuleExpression({ '%%root.a': 1 }, noDocument)).toThrow('needs a document')
  })
})
