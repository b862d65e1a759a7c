import type { StoredSession } from './api/session'

export interface Destination {
  name?: string | symbol | null
  fullPath: string
  meta: { signedIn?: boolean }
}

export type GateAnswer = true | { name: 'login'; query: { redirect: string } } | { name: 'password' }

/**
 * Where a navigation may go: an account still on its initial password (000000) goes only to the
 * forced change; screens marked signedIn send anonymous visitors to 登录 and back afterwards.
 */
export function gate(to: Destination, current: StoredSession | null): GateAnswer {
  if (current?.mustChangePassword && to.name !== 'password') return { name: 'password' }
  const needsSignIn = to.meta.signedIn === true || to.name === 'password'
  if (needsSignIn && !current) return { name: 'login', query: { redirect: to.fullPath } }
  return true
}

/** Where a sign-in or a password change continues: the screen that sent the user there, else 我的. */
export function redirectTarget(query: Record<string, unknown>): string {
  const redirect = query.redirect
  return typeof redirect === 'string' && redirect.startsWith('/') && !redirect.startsWith('//') ? redirect : '/me'
}
