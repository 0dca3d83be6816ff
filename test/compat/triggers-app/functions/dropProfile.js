/* global context */
// The DELETE trigger of a real export: the user's data goes with the user.
exports = async function (authEvent) {
  const db = context.services.get('mongodb-atlas').db('app')
  await db.collection('profiles').deleteOne({ userId: authEvent.user.id })
  await db
    .collection('deletions')
    .insertOne({ userId: authEvent.user.id, providers: authEvent.providers })
}
