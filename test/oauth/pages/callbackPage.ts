// The page the popup comes back to, with our client's redirect entry only.
import { handleAuthRedirect } from '@react-custom-data/client/redirect'

handleAuthRedirect()
