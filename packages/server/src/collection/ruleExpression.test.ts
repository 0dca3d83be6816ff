import { describe, expect, it } from 'vitest'
import { compileCollectionRules, createRuleAccess } from './CollectionRules'
import { compileRuleExpression, RuleExpressionError } from './ruleExpression'

// Expressions as the App Services docs write them (rules/expressions, rules/examples).
const user = {
  id: 'u1',
  type: 'normal',
  data: { email: 'ada@example.com' },
  custom_data: { role: 'admin', teams: ['red', 'blue'] },
  identities: [{ id: 'i1', provider_type: 'anon-user' }],
}
const values = { allowed: ['u1', 'u9'], flag: true }
const noDocument = { documentAllowed: false }
const withDocument = { documentAllowed: true }

const holds = (expression: unknown, root?: Record<string, unknown>) =>
  compileRuleExpression(expression, root ? withDocument : noDocument).evaluate({
    user,
    values,
    ...(root ? { root } : {}),
  })

describe('rule expressions', () => {
  it('evaluates booleans, {} and %%true / %%false', () => {
    expect(holds(true)).toBe(true)
    expect(holds(false)).toBe(false)
    expect(holds({})).toBe(true)
    expect(holds({ '%%true': true })).toBe(true)
    expect(holds({ '%%true': false })).toBe(false)
    expect(holds({ '%%false': true })).toBe(false)
  })

  it('evaluates %%user expansions with equality, %in, %nin and %exists', () => {
    expect(holds({ '%%user.id': 'u1' })).toBe(true)
    expect(holds({ '%%user.id': 'u2' })).toBe(false)
    expect(holds({ '%%user.custom_data.role': 'admin' })).toBe(true)
    expect(holds({ '%%user.custom_data.role': { '%in': ['owner', 'admin'] } })).toBe(true)
    expect(holds({ '%%user.custom_data.role': { '%nin': ['owner', 'admin'] } })).toBe(false)
    expect(holds({ '%%user.data.email': { '%exists': true } })).toBe(true)
    expect(holds({ '%%user.data.phone': { '%exists': true } })).toBe(false)
    expect(holds({ '%%user.id': { '%in': '%%values.allowed' } })).toBe(true)
    expect(holds({ '%%values.flag': true })).toBe(true)
  })

  it('combines with %and and %or', () => {
    expect(holds({ '%or': [{ '%%user.id': 'nobody' }, { '%%user.type': 'normal' }] })).toBe(true)
    expect(holds({ '%and': [{ '%%user.id': 'u1' }, { '%%user.type': 'server' }] })).toBe(false)
  })

  it('matches documents: the owner field, an array of ids, %%root', () => {
    expect(holds({ owner_id: '%%user.id' }, { owner_id: 'u1' })).toBe(true)
    expect(holds({ owner_id: '%%user.id' }, { owner_id: 'u2' })).toBe(false)
    expect(holds({ editors: '%%user.id' }, { editors: ['u3', 'u1'] })).toBe(true)
    expect(holds({ '%%root.team': { '%in': '%%user.custom_data.teams' } }, { team: 'red' })).toBe(
      true,
    )
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

  it('refuses what it cannot evaluate, rather than guess', () => {
    const refused = [
      { '%%request.remoteIPAddress': '1.2.3.4' },
      { '%%user.id': { '%function': { name: 'check' } } },
      { owner: { '%stringToOid': '%%user.id' } },
      { '%%partition': 'x' },
      { '%where': 'x' },
      'yes',
    ]
    for (const expression of refused) {
      expect(() => compileRuleExpression(expression, withDocument)).toThrow(RuleExpressionError)
    }
    expect(() => compileRuleExpression({ owner: '%%user.id' }, noDocument)).toThrow(
      '"owner" is a document field, and there is no document here',
    )
    expect(() => compileRuleExpression({ '%%root.a': 1 }, noDocument)).toThrow('needs a document')
  })
})

describe('collection rules', () => {
  const rules = compileCollectionRules({
    roles: [
      {
        name: 'owner',
        apply_when: { ownerId: '%%user.id' },
        read: true,
        write: true,
        insert: true,
        delete: true,
      },
      {
        name: 'insertOnly',
        apply_when: { inbox: true },
        insert: true,
        write: { '%%prevRoot': { '%exists': false } },
        read: false,
      },
      { name: 'readers', apply_when: { public: true }, read: true },
    ],
    filters: [{ name: 'hideArchived', apply_when: {}, query: { archived: { $ne: true } } }],
  })
  const access = createRuleAccess(rules, { user, values }, 'app.notes')

  it('gives each document the first role that applies', () => {
    expect(access.canRead({ ownerId: 'u1' })).toBe(true)
    expect(access.canRead({ ownerId: 'u2' })).toBe(false)
    expect(access.canRead({ ownerId: 'u2', public: true })).toBe(true)
    expect(
      access.canUpdate({ ownerId: 'u2', public: true }, { ownerId: 'u2', public: true, x: 1 }),
    ).toBe(false)
    expect(access.canDelete({ ownerId: 'u1' })).toBe(true)
    expect(access.canDelete({ ownerId: 'u2', public: true })).toBe(false)
  })

  it('checks writes before and after: a document cannot be given away', () => {
    expect(access.canUpdate({ ownerId: 'u1' }, { ownerId: 'u1', title: 'x' })).toBe(true)
    expect(access.canUpdate({ ownerId: 'u1' }, { ownerId: 'u2' })).toBe(false)
    expect(access.canInsert({ ownerId: 'u2' })).toBe(false)
  })

  it("supports the docs' insert-only role (%%prevRoot)", () => {
    expect(access.canInsert({ inbox: true, text: 'hi' })).toBe(true)
    expect(access.canRead({ inbox: true, text: 'hi' })).toBe(false)
    expect(access.canUpdate({ inbox: true }, { inbox: true, text: 'changed' })).toBe(false)
  })

  it('adds the filters that apply to every query', () => {
    expect(access.queryFilter).toEqual({ archived: { $ne: true } })
  })

  it('refuses field-level permissions and filter projections it does not implement', () => {
    expect(() =>
      compileCollectionRules({ roles: [{ name: 'r', fields: { secret: { read: false } } }] }),
    ).toThrow('field-level permissions')
    expect(() =>
      compileCollectionRules({ filters: [{ name: 'f', query: {}, projection: { secret: 0 } }] }),
    ).toThrow('"projection" is not supported yet')
    expect(() =>
      compileCollectionRules({ roles: [{ name: 'r', read: { '%function': {} } }] }),
    ).toThrow('role "r" read')
  })
})
