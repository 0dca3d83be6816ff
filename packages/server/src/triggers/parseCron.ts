/** A parsed five-field cron schedule (minute hour day-of-month month day-of-week), in UTC. */
export interface CronSchedule {
  readonly expression: string
  /** Whether the schedule fires in the minute of `date`. */
  matches(date: Date): boolean
  /** The first tick strictly after `date`, at a whole minute. */
  nextTick(date: Date): Date
}

interface Field {
  readonly min: number
  readonly max: number
  readonly names?: readonly string[]
}

const FIELDS: readonly Field[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  {
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { min: 0, max: 7, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
]

const MINUTE_MS = 60_000
// A schedule that never fires within ~4 years (Feb 30th) is refused rather than looped over.
const SEARCH_MINUTES = 4 * 366 * 24 * 60

const valueOf = (text: string, field: Field, expression: string): number => {
  const index = field.names?.indexOf(text.toUpperCase()) ?? -1
  const value = index >= 0 ? index + field.min : Number(text)
  if (!Number.isInteger(value) || value < field.min || value > field.max) {
    throw new TypeError(`"${text}" is out of range in the cron schedule "${expression}"`)
  }
  return value
}

const parseField = (text: string, field: Field, expression: string): Set<number> => {
  const values = new Set<number>()
  for (const part of text.split(',')) {
    const [range = '', stepText] = part.split('/')
    const step = stepText === undefined ? 1 : Number(stepText)
    if (!Number.isInteger(step) || step < 1) {
      throw new TypeError(`"${part}" has a bad step in the cron schedule "${expression}"`)
    }
    let from: number
    let to: number
    if (range === '*') {
      from = field.min
      to = field.max
    } else if (range.includes('-')) {
      const [a = '', b = ''] = range.split('-')
      from = valueOf(a, field, expression)
      to = valueOf(b, field, expression)
    } else {
      from = valueOf(range, field, expression)
      to = stepText === undefined ? from : field.max
    }
    if (from > to)
      throw new TypeError(`"${part}" is backwards in the cron schedule "${expression}"`)
    for (let value = from; value <= to; value += step) values.add(value)
  }
  return values
}

/**
 * Parses a cron schedule as App Services' scheduled triggers took it: five fields, `*`, lists,
 * ranges, steps, month and weekday names, Sunday as 0 or 7, evaluated in UTC. As in cron, when
 * both day fields are restricted a day matching either fires. Throws a `TypeError` naming the
 * problem.
 */
export const parseCron = (expression: string): CronSchedule => {
  const parts = expression.trim().split(/\s+/)
  if (parts.length !== 5) {
    throw new TypeError(
      `the cron schedule "${expression}" must have 5 fields, it has ${parts.length}`,
    )
  }
  const [minutes, hours, days, months, weekdays] = parts.map((part, i) =>
    parseField(part, FIELDS[i] as Field, expression),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>]
  if (weekdays.has(7)) weekdays.add(0)
  const anyDay = parts[2] === '*'
  const anyWeekday = parts[4] === '*'
  const matches = (date: Date): boolean => {
    if (!minutes.has(date.getUTCMinutes()) || !hours.has(date.getUTCHours())) return false
    if (!months.has(date.getUTCMonth() + 1)) return false
    const day = days.has(date.getUTCDate())
    const weekday = weekdays.has(date.getUTCDay())
    if (anyDay && anyWeekday) return true
    if (anyDay) return weekday
    if (anyWeekday) return day
    return day || weekday
  }
  const nextTick = (date: Date): Date => {
    let time = Math.floor(date.getTime() / MINUTE_MS) * MINUTE_MS + MINUTE_MS
    for (let i = 0; i < SEARCH_MINUTES; i += 1, time += MINUTE_MS) {
      const candidate = new Date(time)
      if (matches(candidate)) return candidate
    }
    throw new TypeError(`the cron schedule "${expression}" never fires`)
  }
  nextTick(new Date(0))
  return { expression, matches, nextTick }
}
