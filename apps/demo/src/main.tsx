import { QueryClient } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { popupRedirect } from '@react-custom-data/client/redirect'
import { AppProvider } from 'react-custom-data'
import { PreferencesPage } from './PreferencesPage'
import { APP_ID } from './config'
import './styles.css'

// The only place the demo creates its clients; everything below reads them through hooks.
const queryClient = new QueryClient()

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

createRoot(root).render(
  <StrictMode>
    {/* The backend is the page's own origin (`pnpm dev`, the server's --static, or a proxy in
        front of both), so there is no location to discover: behind a TLS proxy the server would
        only see plain HTTP and answer an http:// URL. */}
    <AppProvider
      id={APP_ID}
      baseUrl={window.location.origin}
      skipLocationRequest
      redirect={popupRedirect}
      queryClient={queryClient}
    >
      <PreferencesPage />
    </AppProvider>
  </StrictMode>,
)
