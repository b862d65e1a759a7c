import { createApi } from './client'
import { Session } from './session'

export const session = new Session(localStorage)

/** What the app does when the API client learns the user must act (main.ts routes them). */
export const authEvents = {
  passwordChangeRequired: () => {},
  signedOut: () => {},
}

export const api = createApi({
  session,
  onPasswordChangeRequired: () => authEvents.passwordChangeRequired(),
  onSignedOut: () => authEvents.signedOut(),
})

export { ApiError, splitForForm, unwrap } from './errors'
export type { components } from './schema'
