/* global context */
// Sets the given fields on the caller's custom-data document, creating it on the first write.
exports = async function writeCustomUserData(fields) {
  return context.services
    .get('mongodb-atlas')
    .db('oauth-test')
    .collection('custom-user-data')
    .updateOne({ userId: context.user.id }, { $set: fields }, { upsert: true })
}
