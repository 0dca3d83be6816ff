import { describe, expect, it } from 'vitest'
import { parseCron } from '../triggers/parseCron'
import { triggerOf } from './loadTriggers'

// Shapes from App Services' "Trigger Configuration Files" reference
// (https://www.mongodb.com/docs/atlas/app-services/reference/config/triggers/, and the legacy
// v20210101 page for the top-level function_name) and "Authentication Triggers"
// (https://www.mongodb.com/docs/atlas/app-services/triggers/authentication-triggers/).
const check = (schedule: string) => {
  parseCron(schedule)
}
const load = (raw: unknown) => triggerOf(raw, 'triggers/x.json', check)

describe('loading triggers/<name>.json', () => {
  it('reads a database trigger with its FUNCTION event processor and every option', () => {
    expect(
      load({
        name: 'onOrder',
        type: 'DATABASE',
        disabled: false,
        config: {
          service_name: 'mongodb-atlas',
          database: 'shop',
          collection: 'orders',
          operation_types: ['INSERT', 'UPDATE'],
          match: { 'fullDocument.status': 'paid' },
          project: { 'fullDocument.total': 1 },
          full_document: true,
          full_document_before_change: true,
          unordered: true,
          skip_catchup_events: true,
          tolerate_resume_errors: false,
          maximum_throughput: false,
        },
        event_processors: { FUNCTION: { config: { function_name: 'onOrder' } } },
      }),
    ).toEqual({
      name: 'onOrder',
      type: 'DATABASE',
      functionName: 'onOrder',
      disabled: false,
      where: 'triggers/x.json',
      serviceName: 'mongodb-atlas',
      database: 'shop',
      collection: 'orders',
      operationTypes: ['INSERT', 'UPDATE'],
      match: { 'fullDocument.status': 'paid' },
      project: { 'fullDocument.total': 1 },
      fullDocument: true,
      fullDocumentBeforeChange: true,
      unordered: true,
      skipCatchupEvents: true,
    })
  })

  it('reads the older top-level function_name, and authentication and scheduled triggers', () => {
    expect(
      load({
        name: 'onSignup',
        type: 'AUTHENTICATION',
        function_name: 'createProfile',
        config: { operation_type: 'CREATE', providers: ['anon-user', 'local-userpass'] },
        disabled: true,
      }),
    ).toMatchObject({
      type: 'AUTHENTICATION',
      functionName: 'createProfile',
      operationType: 'CREATE',
      providers: ['anon-user', 'local-userpass'],
      disabled: true,
    })
    expect(
      load({
        name: 'nightly',
        type: 'SCHEDULED',
        config: { schedule: '0 3 * * MON-FRI', skip_catchup_events: true },
        event_processors: { FUNCTION: { config: { function_name: 'cleanup' } } },
      }),
    ).toMatchObject({ type: 'SCHEDULED', schedule: '0 3 * * MON-FRI', skipCatchupEvents: true })
  })

  it('refuses what it cannot run, naming the file and the field', () => {
    const database = (config: Record<string, unknown>) => ({
      name: 'd',
      type: 'DATABASE',
      config: { database: 'a', collection: 'b', operation_types: ['INSERT'], ...config },
      function_name: 'f',
    })
    expect(() => load(database({ operation_types: ['UPSERT'] }))).toThrow(
      'triggers/x.json: operation type "UPSERT" is not one of INSERT, UPDATE, REPLACE, DELETE.',
    )
    expect(() => load(database({ collection: undefined }))).toThrow('"collection" is required')
    expect(() => load(database({ project: { a: { $concat: ['x'] } } }))).toThrow(
      'expressions are not supported',
    )
    expect(() => load(database({ project: { a: 1, b: 0 } }))).toThrow('cannot mix')
    expect(() =>
      load({
        ...database({}),
        function_name: undefined,
        event_processors: { AWS_EVENTBRIDGE: {} },
      }),
    ).toThrow('only the FUNCTION event processor is supported')
    expect(() =>
      load({
        name: 's',
        type: 'SCHEDULED',
        config: { schedule: '61 * * * *' },
        function_name: 'f',
      }),
    ).toThrow('"61" is out of range in the cron schedule "61 * * * *"')
    expect(() =>
      load({
        name: 'a',
        type: 'AUTHENTICATION',
        config: { operation_type: 'LOGOUT', providers: ['anon-user'] },
        function_name: 'f',
      }),
    ).toThrow('is not one of CREATE, LOGIN, DELETE')
    expect(() => load({ name: 'x y', type: 'SCHEDULED', function_name: 'f' })).toThrow(
      'must be 1 to 64 ASCII letters',
    )
  })
})

describe('cron schedules as App Services wrote them', () => {
  it('finds the next tick in UTC: steps, ranges, names, and either day field', () => {
    const at = (iso: string) => new Date(iso)
    expect(parseCron('*/15 * * * *').nextTick(at('2026-01-01T10:07:30Z')).toISOString()).toBe(
      '2026-01-01T10:15:00.000Z',
    )
    expect(parseCron('0 3 * * MON-FRI').nextTick(at('2026-01-02T04:00:00Z')).toISOString()).toBe(
      '2026-01-05T03:00:00.000Z',
    )
    expect(parseCron('0 0 1 * 0').nextTick(at('2026-01-01T00:00:00Z')).toISOString()).toBe(
      '2026-01-04T00:00:00.000Z',
    )
    expect(() => parseCron('* * *')).toThrow('must have 5 fields')
    expect(() => parseCron('0 0 30 2 *')).toThrow('never fires')
  })
})
