import { reactive } from 'vue'
import type { components } from './schema'

export type TokenPair = components['schemas']['TokenPairOut']
export type Role = components['schemas']['Role']

/** What the client keeps of a sign-in: the tokens and the two facts the UI routes on. */
export interface StoredSession {
  accessToken: string
  refreshToken: string
  accountId: string
  role: Role
  mustChangePassword: boolean
}

const KEY = 'yce.session'

/**
 * The signed-in session, reactive so the tab bar and the router follow it, persisted in localStorage
 * so a WeChat webview reload keeps the user signed in (docs/decisions.md says why not a cookie).
 */
export class Session {
  readonly state = reactive<{ current: StoredSession | null }>({ current: null })

  constructor(private readonly storage: Storage) {
    const raw = storage.getItem(KEY)
    try {
      this.state.current = raw ? (JSON.parse(raw) as StoredSession) : null
    } catch {
      storage.removeItem(KEY)
    }
  }

  get current(): StoredSession | null {
    return this.state.current
  }

  get signedIn(): boolean {
    return this.state.current !== null
  }

  save(pair: TokenPair): void {
    this.write({
      accessToken: pair.access_token,
      refreshToken: pair.refresh_token,
      accountId: pair.account_id,
      role: pair.role,
      mustChangePassword: pair.must_change_password,
    })
  }

  requirePasswordChange(): void {
    if (this.state.current) this.write({ ...this.state.current, mustChangePassword: true })
  }

  clear(): void {
    this.state.current = null
    this.storage.removeItem(KEY)
  }

  private write(session: StoredSession): void {
    this.state.current = session
    this.storage.setItem(KEY, JSON.stringify(session))
  }
}
