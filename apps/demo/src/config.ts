/** The App ID of the demo's backend (apps/demo/backend/realm_config.json). */
export const APP_ID = 'preferences-demo'
