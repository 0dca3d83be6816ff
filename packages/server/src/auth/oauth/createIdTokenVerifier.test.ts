import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProviderConfig } from '../../appFolder/AppConfig'
import { systemClock } from '../../Clock'
import { createIdTokenVerifier } from './createIdTokenVerifier'
import { discoverEndpoints } from './discoverEndpoints'
import { oauthSettings } from './oauthSettings'
import { startTestIssuer, type TestIssuer } from './testIssuer'

const provider = (issuer: string): ProviderConfig => ({
  name: 'oauth2-google',
  type: 'oauth2-google',
  disabled: false,
  config: { clientId: 'web-client', issuer },
  secretConfig: {},
  metadataFields: [],
  redirectUris: [],
  domainRestrictions: [],
})

describe('the ID-token check', () => {
  let issuer: TestIssuer
  beforeAll(async () => {
    issuer = await startTestIssuer()
  })
  afterAll(() => issuer?.close())

  const verifier = () => {
    const settings = oauthSettings(provider(issuer.url), () => undefined)
    return createIdTokenVerifier(settings, discoverEndpoints(settings, Date.now), systemClock)
  }

  it("refuses an ID token whose nonce is not the redirect flow's (a replayed or injected token)", async () => {
    const verify = verifier()
    const token = await issuer.issue({ sub: 'u1', aud: 'web-client', nonce: 'the-flows-nonce' })
    await expect(verify(token, { nonce: 'the-flows-nonce' })).resolves.toMatchObject({ sub: 'u1' })
    await expect(verify(token, { nonce: 'another-flows-nonce' })).rejects.toThrow(
      'invalid ID token: its nonce is not the one this sign-in sent',
    )
    const withoutNonce = await issuer.issue({ sub: 'u1', aud: 'web-client' })
    await expect(verify(withoutNonce, { nonce: 'the-flows-nonce' })).rejects.toThrow(
      'its nonce is not the one this sign-in sent',
    )
  })

  it('refuses a token for several audiences unless this client is its authorized party (azp)', async () => {
    const verify = verifier()
    const shared = await issuer.issue({ sub: 'u1', aud: ['web-client', 'other'], azp: 'other' })
    await expect(verify(shared)).rejects.toThrow('it was issued for another client (azp)')
    const ours = await issuer.issue({ sub: 'u1', aud: ['web-client', 'other'], azp: 'web-client' })
    await expect(verify(ours)).resolves.toMatchObject({ sub: 'u1' })
  })
})
