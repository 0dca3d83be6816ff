// Our client in a page, with the redirect flow: tests drive it through `window.app`.
import * as client from '@react-custom-data/client'
import { popupRedirect } from '@react-custom-data/client/redirect'

const params = new URLSearchParams(location.search)
Object.assign(window, {
  client,
  ourApp: new client.App({
    id: params.get('app') ?? '',
    baseUrl: params.get('api') ?? '',
    redirect: popupRedirect,
  }),
  ready: true,
})
