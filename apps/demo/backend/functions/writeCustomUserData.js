// Writes the caller's custom user data, the way the App Services docs show it: the fields passed
// in are set on the caller's document, which is created on the first write (upsert).
//
// The preferences the demo edits are checked first, here on the server, because a page can be
// bypassed: a bad value is refused with a message the page shows, and nothing is written. Other
// fields pass through unchecked, as in the App Services example.
const THEMES = ['system', 'light', 'dark']
const MAX_FOOD_LENGTH = 60

const checkers = {
  theme: (value) => THEMES.includes(value) || `theme must be one of ${THEMES.join(', ')}`,
  favoriteFood: (value) =>
    (typeof value === 'string' && value.trim() !== '' && [...value].length <= MAX_FOOD_LENGTH) ||
    `favourite food must be 1 to ${MAX_FOOD_LENGTH} characters long`,
  language: (value) =>
    (typeof value === 'string' && isLanguageTag(value)) ||
    'language must be a language tag such as "en" or "pt-BR"',
  timeZone: (value) =>
    (typeof value === 'string' && isTimeZone(value)) ||
    'time zone must be an IANA time zone such as "Europe/Paris" or "UTC"',
  // Arguments are decoded outside this sandbox, so `instanceof Date` would be false for a date.
  updatedAt: (value) =>
    Object.prototype.toString.call(value) === '[object Date]' || 'updatedAt must be a date',
}

function isLanguageTag(value) {
  try {
    return Intl.getCanonicalLocales(value).length === 1
  } catch {
    return false
  }
}

function isTimeZone(value) {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value })
    return true
  } catch {
    return false
  }
}

exports = async function writeCustomUserData(newCustomUserData) {
  if (
    typeof newCustomUserData !== 'object' ||
    newCustomUserData === null ||
    Array.isArray(newCustomUserData)
  ) {
    throw new Error('writeCustomUserData expects an object of fields to set')
  }
  // The document belongs to the caller: a payload cannot move it to another user or change its id.
  const { userId: _ignoredUserId, _id: _ignoredId, ...fields } = newCustomUserData
  const problems = Object.keys(checkers)
    .filter((name) => name in fields)
    .map((name) => checkers[name](fields[name]))
    .filter((verdict) => verdict !== true)
  if (problems.length > 0) throw new Error(problems.join('; '))
  // The server's clock, not the device's (which may be off), says when the data last changed.
  if ('updatedAt' in fields) fields.updatedAt = new Date()

  const userId = context.user.id
  const customUserDataCollection = context.services
    .get('mongodb-atlas')
    .db('custom-user-data-database')
    .collection('custom-user-data')

  return customUserDataCollection.updateOne({ userId }, { $set: fields }, { upsert: true })
}
