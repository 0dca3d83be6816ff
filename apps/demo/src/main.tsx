import { QueryClient } from '@tanstack/react-query'
import { StrictMode } from 'react'
import { createRoot } from 'react-dom/client'
import { AppProvider } from 'react-custom-data'
import { Preferences } from './Preferences'
import { APP_ID } from './config'
import './styles.css'

// The only place the demo creates its clients; everything below reads them through hooks.
const queryClient = new QueryClient()

const root = document.getElementById('root')
if (!root) throw new Error('index.html has no #root element')

createRoot(root).render(
  <StrictMode>
    {/* The backend is served from the page's own origin, by `pnpm dev` or by the server's --static. */}
    <AppProvider id={APP_ID} baseUrl={window.location.origin} queryClient={queryClient}>
      <Preferences />
    </AppProvider>
  </StrictMode>,
)
