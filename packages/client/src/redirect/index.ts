export { popupRedirect } from './popupRedirect'
export { handleAuthRedirect } from './handleAuthRedirect'

export type { RedirectResultStorage } from './handleAuthRedirect'
