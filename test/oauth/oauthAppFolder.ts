import { cp, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const baseDir = fileURLToPath(new URL('./app', import.meta.url))

/** The test app's Google client, as registered at the test provider. */
export const GOOGLE_CLIENT = {
  clientId: 'web-client.apps.googleusercontent.test',
  clientSecret: 'google-client-secret',
}

/** The test app's Apple client (a Services ID), as registered at the test provider. */
export const APPLE_CLIENT = {
  clientId: 'com.example.oauth-test.web',
  clientSecret: 'apple-client-secret',
}

/**
 * A copy of the test app folder whose `auth/providers.json` has anonymous and email/password
 * logins, and "Google" and "Apple" pointed at the test provider at `issuer`: only the issuer is
 * given, the endpoints come from its discovery document.
 */
export const oauthAppFolder = async (options: {
  readonly issuer: string
  readonly redirectUris: readonly string[]
  /** Where codes for `Credentials.google({ authCode })` were issued to (Google: `postmessage`). */
  readonly authCodeRedirectUri?: string
}): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), 'oauth-app-'))
  await cp(baseDir, dir, { recursive: true })
  const providers = {
    'anon-user': { name: 'anon-user', type: 'anon-user', disabled: false },
    'local-userpass': {
      name: 'local-userpass',
      type: 'local-userpass',
      disabled: false,
      config: { autoConfirm: true, resetPasswordUrl: 'https://app.example.com/reset' },
    },
    'oauth2-google': {
      name: 'oauth2-google',
      type: 'oauth2-google',
      disabled: false,
      config: {
        clientId: GOOGLE_CLIENT.clientId,
        issuer: options.issuer,
        ...(options.authCodeRedirectUri
          ? { authCodeRedirectUri: options.authCodeRedirectUri }
          : {}),
      },
      secret_config: { clientSecret: 'googleClientSecret' },
      metadata_fields: [
        { name: 'email', required: true },
        { name: 'name', required: false },
        { name: 'first_name', required: false },
        { name: 'picture', required: false },
      ],
      redirect_uris: options.redirectUris,
    },
    // "Apple" on the same test provider, which posts the result back (response_mode=form_post)
    // as Apple does. Apple's scopes are "name email" (OpenID Connect implied); the test provider
    // needs "openid" spelled out and knows the name as "profile".
    'oauth2-apple': {
      name: 'oauth2-apple',
      type: 'oauth2-apple',
      disabled: false,
      config: {
        clientId: APPLE_CLIENT.clientId,
        issuer: options.issuer,
        scopes: ['openid', 'email', 'profile'],
      },
      secret_config: { clientSecret: 'appleClientSecret' },
      metadata_fields: [{ name: 'email', required: true }],
      redirect_uris: options.redirectUris,
    },
    // Our generic provider, on the same test provider under another name: by issuer alone.
    corporate: {
      name: 'corporate',
      type: 'oauth2-oidc',
      disabled: false,
      config: { clientId: GOOGLE_CLIENT.clientId, issuer: options.issuer },
      metadata_fields: [{ name: 'email' }, { name: 'name' }],
    },
  }
  await writeFile(join(dir, 'auth', 'providers.json'), JSON.stringify(providers, null, 2))
  return dir
}

/** The secrets the app folder names. */
export const OAUTH_SECRETS = {
  googleClientSecret: GOOGLE_CLIENT.clientSecret,
  appleClientSecret: APPLE_CLIENT.clientSecret,
}
