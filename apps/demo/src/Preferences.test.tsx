import { createMemoryStorage } from '@react-custom-data/client'
import { demoAppDir, startTestServer, type TestServer } from '@react-custom-data/server/testing'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { StrictMode } from 'react'
import { AppProvider } from 'react-custom-data'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { APP_ID } from './config'
import { Preferences } from './Preferences'

describe('the Preferences page against its real backend', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ appDir: demoAppDir })
  })
  afterAll(() => server.close())
  afterEach(cleanup)

  it('signs in anonymously, saves a favourite food and shows it', async () => {
    render(
      <StrictMode>
        <AppProvider id={APP_ID} baseUrl={server.url} storage={createMemoryStorage()}>
          <Preferences />
        </AppProvider>
      </StrictMode>,
    )
    fireEvent.click(screen.getByRole('button', { name: 'Continue anonymously' }))
    expect(await screen.findByText('not set yet')).toBeTruthy()

    fireEvent.change(screen.getByLabelText('New favourite food'), { target: { value: 'pizza' } })
    fireEvent.click(screen.getByRole('button', { name: 'Save' }))
    expect(await screen.findByText('pizza')).toBeTruthy()

    fireEvent.click(screen.getByRole('button', { name: 'Log out' }))
    expect(await screen.findByRole('button', { name: 'Continue anonymously' })).toBeTruthy()
  })
})
