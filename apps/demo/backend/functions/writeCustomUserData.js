// Writes the caller's custom user data, the way the App Services docs show it: the fields passed
// in are set on the caller's document, which is created on the first write (upsert).
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
  const userId = context.user.id
  const customUserDataCollection = context.services
    .get('mongodb-atlas')
    .db('custom-user-data-database')
    .collection('custom-user-data')

  return customUserDataCollection.updateOne({ userId }, { $set: fields }, { upsert: true })
}
