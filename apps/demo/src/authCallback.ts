// The page the sign-in popup comes back to (auth-callback.html): it hands the result to the tab
// that opened the popup, which closes it. Only the redirect entry of the client: a tiny bundle.
import { handleAuthRedirect } from '@react-custom-data/client/redirect'

handleAuthRedirect()
