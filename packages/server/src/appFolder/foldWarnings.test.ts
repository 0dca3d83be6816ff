import { describe, expect, it } from 'vitest'
import { foldWarnings } from './foldWarnings'

describe('foldWarnings', () => {
  it('folds warnings that differ only in the place they name into one line with a count', () => {
    const dir = '/srv/app'
    const schema = (coll: string) =>
      `${dir}/data_sources/mongodb-atlas/db/${coll}/schema.json: schemas are not enforced`
    const warnings = [
      ...Array.from({ length: 37 }, (_, index) => schema(`c${index}`)),
      `${dir}/auth/providers.json ("oauth2-google"): provider type "oauth2-google" is not supported`,
      `${dir}/auth/providers.json ("oauth2-apple"): provider type "oauth2-apple" is not supported`,
      'a warning of its own',
    ]
    expect(foldWarnings(warnings, dir)).toEqual([
      'data_sources/mongodb-atlas/db/c0/schema.json: schemas are not enforced (and 36 more like it: data_sources/mongodb-atlas/db/c1/schema.json, data_sources/mongodb-atlas/db/c2/schema.json, data_sources/mongodb-atlas/db/c3/schema.json, data_sources/mongodb-atlas/db/c4/schema.json, data_sources/mongodb-atlas/db/c5/schema.json, \u2026)',
      'auth/providers.json ("oauth2-google"): provider type "oauth2-google" is not supported (and 1 more like it: "oauth2-apple")',
      'a warning of its own',
    ])
  })

  it('keeps distinct warnings apart, and identical ones once', () => {
    expect(foldWarnings(['same', 'same', 'other'], '/x')).toEqual(['same', 'other'])
  })
})
