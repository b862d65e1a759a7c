/**
 * 微信登录 (docs/api.md, "Signing in from WeChat"): offered only inside WeChat. The state the API signed is
 * kept in sessionStorage until WeChat sends the person back, and only a callback carrying that same state is
 * sent on (a login started elsewhere and replayed into this browser is not).
 */
export const CALLBACK_PATH = '/login/wechat'
const KEY = 'yce.wechat-login'

export function inWechat(userAgent: string = navigator.userAgent): boolean {
  return /MicroMessenger/i.test(userAgent)
}

interface Pending {
  state: string
  redirect: string
}

/** Remember the login being started: its state, and where to go once signed in. */
export function rememberLogin(storage: Storage, state: string, redirect: string): void {
  storage.setItem(KEY, JSON.stringify({ state, redirect } satisfies Pending))
}

/** The redirect of the login this browser started with `state`, once (null: not started here, or used). */
export function takeLogin(storage: Storage, state: unknown): string | null {
  const raw = storage.getItem(KEY)
  storage.removeItem(KEY)
  try {
    const pending = raw ? (JSON.parse(raw) as Pending) : null
    return pending && typeof state === 'string' && pending.state === state ? pending.redirect : null
  } catch {
    return null
  }
}
