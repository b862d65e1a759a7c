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

/** Signs out at once; the server revokes the refresh token when it can (a failure there changes nothing here). */
export function signOut(): void {
  const refreshToken = session.current?.refreshToken
  if (refreshToken) void api.POST('/auth/logout', { body: { refresh_token: refreshToken } }).catch(() => undefined)
  session.clear()
}

export { ApiError, splitForForm, unwrap } from './errors'
export type { components, paths } from './schema'
