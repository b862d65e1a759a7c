import createClient, { type Client, type Middleware } from 'openapi-fetch'
import { toApiError } from './errors'
import type { paths } from './schema'
import type { Session } from './session'

/** Where the API lives for the browser: same origin, under the prefix CloudFront and dev share. */
export const API_BASE = '/api'

export type Api = Client<paths>
type Fetch = (request: Request) => Promise<Response>

export interface ApiOptions {
  session: Session
  baseUrl?: string
  fetch?: Fetch
  /** The server refused a call until the initial password (000000) is changed. */
  onPasswordChangeRequired?: () => void
  /** The refresh token was refused: the user has to sign in again. */
  onSignedOut?: () => void
}

// Their 401 means wrong credentials or a dead refresh token, never an expired access token.
const NO_REFRESH = new Set(['/auth/login', '/auth/refresh', '/auth/logout'])

const bearer = (token: string) => `Bearer ${token}`

/**
 * The one API client: adds the bearer token, and on a 401 refreshes the token pair once and repeats
 * the request. Concurrent 401s share one refresh (the server rotates refresh tokens, so a second
 * refresh with the same token would be a reuse).
 */
export function createApi(options: ApiOptions): Api {
  const { session } = options
  const baseUrl = options.baseUrl ?? API_BASE
  const fetchImpl: Fetch = options.fetch ?? ((request) => globalThis.fetch(request))
  // Refresh goes through a client without this middleware: it must not recurse into itself.
  const bare = createClient<paths>({ baseUrl, fetch: fetchImpl })
  const api = createClient<paths>({ baseUrl, fetch: fetchImpl })
  const sent = new Map<string, Request>()
  let refreshing: Promise<boolean> | null = null

  async function refresh(): Promise<boolean> {
    const refreshToken = session.current?.refreshToken
    const { data } = refreshToken
      ? await bare.POST('/auth/refresh', { body: { refresh_token: refreshToken } }).catch(() => ({ data: undefined }))
      : { data: undefined }
    if (data) {
      session.save(data)
      return true
    }
    session.clear()
    options.onSignedOut?.()
    return false
  }

  function refreshOnce(): Promise<boolean> {
    refreshing ??= refresh().finally(() => {
      refreshing = null
    })
    return refreshing
  }

  async function noticePasswordGate(response: Response): Promise<void> {
    if (response.status !== 403) return
    const body: unknown = await response.clone().json().catch(() => null)
    if (toApiError(403, body).code === 'PASSWORD_CHANGE_REQUIRED') {
      session.requirePasswordChange()
      options.onPasswordChangeRequired?.()
    }
  }

  const auth: Middleware = {
    onRequest({ request, schemaPath, id }) {
      const token = session.current?.accessToken
      if (!token) return request
      request.headers.set('Authorization', bearer(token))
      // A request body can be read once: keep a copy to repeat the request after a refresh.
      if (!NO_REFRESH.has(schemaPath)) sent.set(id, request.clone())
      return request
    },
    async onResponse({ response, id }) {
      const original = sent.get(id)
      sent.delete(id)
      if (response.status !== 401 || !original || !session.current) {
        await noticePasswordGate(response)
        return response
      }
      // Sent with a token another request has already replaced: repeat it without refreshing again.
      const stale = original.headers.get('Authorization') !== bearer(session.current.accessToken)
      if (!stale && !(await refreshOnce())) return response
      const token = session.current?.accessToken
      if (!token) return response
      original.headers.set('Authorization', bearer(token))
      const repeated = await fetchImpl(original)
      await noticePasswordGate(repeated)
      return repeated
    },
    onError({ id }) {
      sent.delete(id)
    },
  }

  api.use(auth)
  return api
}
