/* global context */
// What three of the twelve real exports do: the user's custom data made by a CREATE trigger.
exports = async function (authEvent) {
  const profiles = context.services.get('mongodb-atlas').db('app').collection('profiles')
  await profiles.insertOne({
    userId: authEvent.user.id,
    plan: 'free',
    providers: authEvent.providers,
    operationType: authEvent.operationType,
    identities: authEvent.user.identities.map((identity) => identity.provider_type),
    at: authEvent.time,
    systemUser: context.user.type,
  })
}
