import { ObjectId } from 'bson'
import { describe, expect, it } from 'vitest'
import { compileCollectionRules } from './CollectionRules'
import { createRuleAccess } from './createRuleAccess'

// Each behaviour copies the App Services documentation named in its title
// (mongodb/docs-app-services: source/rules/roles.txt, source/rules/examples.txt,
// source/rules/filters.txt, source/mongodb/tables/role-configuration.rst).
const user = { id: 'u1', type: 'normal', data: {}, custom_data: {}, identities: [] }
const values = {}
const accessFor = (rules: unknown) =>
  createRuleAccess(compileCollectionRules(rules), { user, values }, 'app.notes')

describe('collection rules: roles and document-level permissions', () => {
  const access = accessFor({
    roles: [
      { name: 'owner', apply_when: { ownerId: '%%user.id' }, read: true, write: true },
      {
        name: 'insertOnly',
        apply_when: { inbox: true },
        insert: true,
        write: { '%%prevRoot': { '%exists': false } },
      },
      { name: 'readers', apply_when: { public: true }, read: true },
    ],
    filters: [{ name: 'hideArchived', apply_when: {}, query: { archived: { $ne: true } } }],
  })

  it('gives each document the first role that applies; no role: invisible (rules/roles, Role Order)', () => {
    expect(access.read({ ownerId: 'u1' })).toEqual({ ownerId: 'u1' })
    expect(access.read({ ownerId: 'u2' })).toBeNull()
    expect(access.read({ ownerId: 'u2', public: true })).toEqual({ ownerId: 'u2', public: true })
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

  it('insert and delete default to true (role-configuration, "insert", "delete")', () => {
    // The owner role says nothing of insert and delete: write permission on every field decides.
    expect(access.canInsert({ ownerId: 'u1', title: 'new' })).toBe(true)
    expect(access.canDelete({ ownerId: 'u1', title: 'new' })).toBe(true)
  })

  it('supports the insert-only role (rules/examples, Insert-Only Roles)', () => {
    expect(access.canInsert({ inbox: true, text: 'hi' })).toBe(true)
    expect(access.read({ inbox: true, text: 'hi' })).toBeNull()
    expect(access.canUpdate({ inbox: true }, { inbox: true, text: 'changed' })).toBe(false)
    expect(access.canDelete({ inbox: true, text: 'hi' })).toBe(false)
  })

  it('adds the filters that apply to every query (rules/filters)', () => {
    expect(access.queryFilter()).toEqual({ archived: { $ne: true } })
  })

  it('needs write permission on every field to insert or delete (role-configuration, "insert", "delete")', () => {
    const readOnly = accessFor({
      roles: [{ name: 'r', apply_when: {}, read: true, insert: true, delete: true }],
    })
    expect(readOnly.canInsert({ a: 1 })).toBe(false)
    expect(readOnly.canDelete({ a: 1 })).toBe(false)
    const noInsert = accessFor({
      roles: [{ name: 'w', apply_when: {}, write: true, insert: false, delete: false }],
    })
    // "The Role Can Read & Write All Fields but Cannot Insert New Documents" (rules/examples).
    expect(noInsert.canInsert({ a: 1 })).toBe(false)
    expect(noInsert.canDelete({ a: 1 })).toBe(false)
    expect(noInsert.canUpdate({ a: 1 }, { a: 2 })).toBe(true)
    expect(noInsert.read({ a: 1 })).toEqual({ a: 1 })
  })

  it('document_filters decide whether the other permissions are evaluated (role-configuration)', () => {
    const filtered = accessFor({
      roles: [
        {
          name: 'team',
          apply_when: {},
          document_filters: { read: { team: 'red' }, write: { ownerId: '%%user.id' } },
          read: true,
          write: true,
        },
      ],
    })
    expect(filtered.read({ team: 'red', ownerId: 'u2' })).toEqual({ team: 'red', ownerId: 'u2' })
    expect(filtered.read({ team: 'blue', ownerId: 'u1' })).toEqual({ team: 'blue', ownerId: 'u1' })
    expect(filtered.read({ team: 'blue', ownerId: 'u2' })).toBeNull()
    expect(
      filtered.canUpdate({ team: 'red', ownerId: 'u2' }, { team: 'red', ownerId: 'u2', x: 1 }),
    ).toBe(false)
    expect(
      filtered.canUpdate({ team: 'red', ownerId: 'u1' }, { team: 'red', ownerId: 'u1', x: 1 }),
    ).toBe(true)
  })
})

describe('collection rules: field-level permissions (rules/roles, Field-Level Permissions)', () => {
  it('reads all fields and writes specific ones (rules/examples, The Role Can Read All Fields & Write to Specific Fields)', () => {
    const access = accessFor({
      roles: [{ name: 'r', apply_when: {}, read: true, fields: { title: { write: true } } }],
    })
    expect(access.read({ _id: 1, title: 't', owner: 'u2' })).toEqual({
      _id: 1,
      title: 't',
      owner: 'u2',
    })
    expect(
      access.canUpdate({ _id: 1, title: 't', owner: 'u2' }, { _id: 1, title: 'u', owner: 'u2' }),
    ).toBe(true)
    expect(
      access.canUpdate({ _id: 1, title: 't', owner: 'u2' }, { _id: 1, title: 't', owner: 'u1' }),
    ).toBe(false)
    // Adding or removing a field is writing it.
    expect(access.canUpdate({ _id: 1, title: 't' }, { _id: 1, title: 't', extra: 1 })).toBe(false)
    expect(access.canUpdate({ _id: 1, title: 't' }, { _id: 1 })).toBe(true)
    // Inserting or deleting touches every field.
    expect(access.canInsert({ title: 'only' })).toBe(true)
    expect(access.canInsert({ title: 'x', owner: 'u1' })).toBe(false)
    expect(access.canDelete({ _id: 1, title: 't', owner: 'u2' })).toBe(false)
  })

  it('writes all but some fields (rules/examples, The Role Cannot Write to Specific Fields)', () => {
    const access = accessFor({
      roles: [
        {
          name: 'r',
          apply_when: {},
          read: true,
          fields: { ownerId: { read: true, write: false } },
          additional_fields: { write: true },
        },
      ],
    })
    expect(access.canUpdate({ ownerId: 'u1', a: 1 }, { ownerId: 'u1', a: 2, b: 3 })).toBe(true)
    expect(access.canUpdate({ ownerId: 'u1', a: 1 }, { ownerId: 'u2', a: 1 })).toBe(false)
  })

  it('withholds the fields a role may not read; _id shows with the document', () => {
    const access = accessFor({
      roles: [
        {
          name: 'r',
          apply_when: {},
          fields: { salary: { read: false }, name: { read: true }, email: { write: true } },
          additional_fields: { read: true },
        },
      ],
    })
    expect(access.read({ _id: 7, name: 'Ada', salary: 10, email: 'a@x', team: 'red' })).toEqual({
      _id: 7,
      name: 'Ada',
      email: 'a@x',
      team: 'red',
    })
    const nothing = accessFor({
      roles: [{ name: 'r', apply_when: {}, fields: { a: { read: true } } }],
    })
    expect(nothing.read({ _id: 1, a: 1, b: 2 })).toEqual({ _id: 1, a: 1 })
    // Nothing of it readable: the document does not exist for the caller.
    expect(nothing.read({ _id: 1, b: 2 })).toBeNull()
  })

  it('document-level read wins over fields (role-configuration, "read")', () => {
    const access = accessFor({
      roles: [{ name: 'r', apply_when: {}, read: true, fields: { secret: { read: false } } }],
    })
    expect(access.read({ secret: 1, b: 2 })).toEqual({ secret: 1, b: 2 })
  })

  it('gives embedded documents their own field permissions (rules/examples, Field-level Permissions for Embedded Documents)', () => {
    const access = accessFor({
      roles: [
        {
          name: 'canReadEmbeddedField',
          apply_when: {},
          delete: true,
          insert: true,
          fields: {
            someEmbeddedDocument: {
              fields: { someEmbeddedField: { read: true, write: true } },
            },
            whole: { read: true, fields: { hidden: { read: false } } },
          },
          additional_fields: {},
        },
      ],
    })
    const doc = {
      _id: 1,
      someEmbeddedDocument: { someEmbeddedField: 'x', other: 'y' },
      whole: { hidden: 1, shown: 2 },
      top: 3,
    }
    expect(access.read(doc)).toEqual({
      _id: 1,
      someEmbeddedDocument: { someEmbeddedField: 'x' },
      // A field's own permission applies to everything inside it.
      whole: { hidden: 1, shown: 2 },
    })
    const changed = (inner: Record<string, unknown>) => ({
      ...doc,
      someEmbeddedDocument: { ...doc.someEmbeddedDocument, ...inner },
    })
    expect(access.canUpdate(doc, changed({ someEmbeddedField: 'z' }))).toBe(true)
    expect(access.canUpdate(doc, changed({ other: 'z' }))).toBe(false)
  })

  it('evaluates field permissions with %%this and %%prev', () => {
    const access = accessFor({
      roles: [
        {
          name: 'r',
          apply_when: {},
          read: true,
          fields: { status: { write: { '%%this': { $in: ['draft', 'review'] } } } },
          additional_fields: { write: true },
        },
      ],
    })
    expect(access.canUpdate({ status: 'draft' }, { status: 'review' })).toBe(true)
    expect(access.canUpdate({ status: 'draft' }, { status: 'published' })).toBe(false)
  })

  it('evaluates rules that call functions, with promises (rules/examples, A Field Satisfies a Complex Condition)', async () => {
    const rules = compileCollectionRules({
      roles: [
        {
          name: 'authorized',
          apply_when: {
            '%%true': { '%function': { name: 'isAuthorizedUser', arguments: ['%%user.id'] } },
          },
          read: true,
        },
      ],
    })
    const allowed = createRuleAccess(
      rules,
      { user, values, callFunction: () => Promise.resolve(true) },
      'x',
    )
    const refused = createRuleAccess(
      rules,
      { user, values, callFunction: () => Promise.resolve(false) },
      'x',
    )
    expect(await allowed.read({ a: 1 })).toEqual({ a: 1 })
    expect(await refused.read({ a: 1 })).toBeNull()
  })
})

describe('collection rules: filters (rules/filters, query-filter-params)', () => {
  it('expands values in filter queries, including %stringToOid and %function', async () => {
    const rules = compileCollectionRules({
      roles: [{ name: 'all', apply_when: {}, read: true }],
      filters: [
        {
          name: 'team',
          apply_when: {},
          query: {
            team: { '%function': { name: 'teamOf', arguments: ['%%user.id'] } },
            owner: { '%stringToOid': '65a0000000000000000000a1' },
          },
        },
      ],
    })
    const access = createRuleAccess(
      rules,
      { user, values, callFunction: ({ args }) => Promise.resolve(`team-of-${String(args[0])}`) },
      'x',
    )
    expect(await access.queryFilter()).toEqual({
      team: 'team-of-u1',
      owner: ObjectId.createFromHexString('65a0000000000000000000a1'),
    })
  })

  it('applies the query and the projection of the filters whose apply_when holds', () => {
    const access = accessFor({
      roles: [{ name: 'all', apply_when: {}, read: true }],
      filters: [
        { name: 'mine', apply_when: { '%%user.type': 'normal' }, query: { owner: '%%user.id' } },
        { name: 'servers', apply_when: { '%%user.type': 'server' }, query: { never: true } },
        { name: 'hideInternal', apply_when: {}, query: {}, projection: { _internal: 0 } },
      ],
    })
    expect(access.queryFilter()).toEqual({ owner: 'u1' })
    expect(access.read({ _id: 1, owner: 'u1', _internal: 'x' })).toEqual({ _id: 1, owner: 'u1' })
  })

  it('fails a request to which inclusive and exclusive projections both apply, as App Services', () => {
    const raw = {
      roles: [{ name: 'all', apply_when: {}, read: true }],
      filters: [
        { name: 'a', apply_when: {}, query: {}, projection: { a: 1 } },
        { name: 'b', apply_when: {}, query: {}, projection: { b: 0 } },
      ],
    }
    expect(compileCollectionRules(raw).notes).toEqual([
      expect.stringContaining('mix inclusive and exclusive projections'),
    ])
    expect(() => accessFor(raw).read({ a: 1, b: 2 })).toThrow('mix inclusive and exclusive')
  })

  it('names the role and the place of an expression it cannot evaluate', () => {
    expect(() =>
      compileCollectionRules({ roles: [{ name: 'r', read: { '%%args.x': 1 } }] }),
    ).toThrow('role "r" read')
    expect(() =>
      compileCollectionRules({ roles: [{ name: 'r', fields: { a: { write: { '%x': 1 } } } }] }),
    ).toThrow('role "r" fields.a.write')
  })
})
