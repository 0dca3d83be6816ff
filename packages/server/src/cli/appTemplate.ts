/** What `init` writes: the smallest app folder a React quick start needs, in App Services' layout. */

const json = (value: unknown): string => `${JSON.stringify(value, null, 2)}\n`

const DATABASE = 'custom-user-data-database'
const COLLECTION = 'custom-user-data'

// The App Services docs' write function for custom user data, with two guards of the demo's: the
// argument must be an object, and it cannot move the document to another user or change its id.
const WRITE_FUNCTION = `// Sets the given fields on the calling user's custom data document, creating it on the first
// write (upsert). Clients call it as \`user.functions.writeCustomUserData({ theme: 'dark' })\`, and
// react-custom-data's useWriteCustomData() calls it for you.
//
// It runs as the calling user: the server lets each user read and write only the document whose
// "userId" is their own id. Check the values your app stores here (the demo's version, in the
// react-custom-data repository at apps/demo/backend, shows how), since a client can send anything.
exports = async function writeCustomUserData(newCustomUserData) {
  if (
    typeof newCustomUserData !== 'object' ||
    newCustomUserData === null ||
    Array.isArray(newCustomUserData)
  ) {
    throw new Error('writeCustomUserData expects an object of fields to set')
  }
  const { userId: _ignoredUserId, _id: _ignoredId, ...fields } = newCustomUserData

  const userId = context.user.id
  const customUserDataCollection = context.services
    .get('mongodb-atlas')
    .db('${DATABASE}')
    .collection('${COLLECTION}')

  return customUserDataCollection.updateOne({ userId }, { $set: fields }, { upsert: true })
}
`

const readme = (appId: string): string => `# ${appId}

An App Services app folder, written by \`custom-data-server init\`. Serve it with:

\`\`\`sh
npx @react-custom-data/server start --app <this folder> --data .data   # http://localhost:8080
\`\`\`

| file                                | what it sets                                                                                                                |
| ----------------------------------- | --------------------------------------------------------------------------------------------------------------------------- |
| \`realm_config.json\`                 | the app id (\`${appId}\`, the \`id\` your client passes) and \`allowed_request_origins\` (empty: every origin)                    |
| \`auth/providers.json\`               | anonymous logins, and email/password with \`autoConfirm\` (accounts confirmed at once, no email server needed)                |
| \`auth/custom_user_data.json\`        | custom user data on: each user's document in \`${DATABASE}.${COLLECTION}\`, found by its \`userId\` |
| \`functions/writeCustomUserData.js\`  | the function that writes the caller's document                                                                              |
| \`functions/config.json\`             | the function callable by logged-in users, running as the caller                                                             |

There is no rules file: without one, the server lets each user read their own custom data
document and lets functions running as that user write it, and nothing else. Before production,
list your site in \`allowed_request_origins\` and decide whether accounts need confirming by email
(\`autoConfirm\` false and an \`emailConfirmationUrl\`).
`

/** The files of a new app folder, by path relative to it. */
export const appTemplate = (appId: string): ReadonlyMap<string, string> =>
  new Map([
    [
      'realm_config.json',
      json({
        config_version: 20210101,
        app_id: appId,
        name: appId,
        location: 'US-VA',
        deployment_model: 'GLOBAL',
        allowed_request_origins: [],
      }),
    ],
    [
      'auth/providers.json',
      json({
        'anon-user': { name: 'anon-user', type: 'anon-user', disabled: false },
        'local-userpass': {
          name: 'local-userpass',
          type: 'local-userpass',
          disabled: false,
          config: { autoConfirm: true, runConfirmationFunction: false, runResetFunction: false },
        },
      }),
    ],
    [
      'auth/custom_user_data.json',
      json({
        enabled: true,
        mongo_service_name: 'mongodb-atlas',
        database_name: DATABASE,
        collection_name: COLLECTION,
        user_id_field: 'userId',
        on_user_creation_function_name: '',
      }),
    ],
    [
      'functions/config.json',
      json([
        {
          name: 'writeCustomUserData',
          private: false,
          can_evaluate: {},
          disable_arg_logs: false,
          run_as_system: false,
        },
      ]),
    ],
    ['functions/writeCustomUserData.js', WRITE_FUNCTION],
    ['README.md', readme(appId)],
  ])
