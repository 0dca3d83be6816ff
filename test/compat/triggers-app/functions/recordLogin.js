/* global context */
exports = async function (authEvent) {
  await context.services.get('mongodb-atlas').db('app').collection('logins').insertOne({
    userId: authEvent.user.id,
    providers: authEvent.providers,
    email: authEvent.user.data.email,
  })
}
