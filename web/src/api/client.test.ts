import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createApi } from './client'
import { ApiError, unwrap } from './errors'
import { Session, type TokenPair } from './session'

const pair = (n: number, mustChange = false): TokenPair => ({
  access_token: `access-${n}`,
  refresh_token: `refresh-${n}`,
  token_type: 'Bearer',
  expires_in: 900,
  account_id: 'acc-1',
  role: 'league_org',
  must_change_password: mustChange,
})

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
const refused = (status: number, code: string, message: string) => json(status, { error: { code, message, fields: [] } })

function held() {
  let release: () => void = () => {}
  const done = new Promise<void>((resolve) => (release = resolve))
  return { done, release }
}

/**
 * A fake API: /auth/refresh rotates pair 1 to pair 2 once released (so 401s can overlap); other paths
 * accept only access-2. GET /me answers a request only once `slowMe` is released.
 */
function fakeServer() {
  const calls: { path: string; auth: string | null; body: string }[] = []
  const refreshHold = held()
  const slowMe = held()
  const fetch = vi.fn(async (request: Request) => {
    const path = new URL(request.url).pathname
    calls.push({ path, auth: request.headers.get('Authorization'), body: await request.clone().text() })
    if (path === '/api/me') await slowMe.done
    if (path === '/api/auth/refresh') {
      await refreshHold.done
      const { refresh_token } = JSON.parse(calls.at(-1)!.body) as { refresh_token: string }
      return refresh_token === 'refresh-1' ? json(200, pair(2)) : refused(401, 'REFRESH_TOKEN_INVALID', '登录已失效，请重新登录')
    }
    if (request.headers.get('Authorization') !== 'Bearer access-2') return refused(401, 'TOKEN_EXPIRED', '登录已过期')
    return json(200, { unread: 3 })
  })
  return { fetch, calls, releaseRefresh: refreshHold.release, releaseMe: slowMe.release }
}

describe('the API client', () => {
  let session: Session

  beforeEach(() => {
    localStorage.clear()
    session = new Session(localStorage)
    session.save(pair(1))
  })

  it('sends the bearer token and, on a 401, refreshes once and repeats the request', async () => {
    const server = fakeServer()
    server.releaseRefresh()
    const api = createApi({ session, baseUrl: 'http://h5.test/api', fetch: server.fetch })

    const data = await unwrap(api.GET('/me/notifications/unread-count'))

    expect(data).toEqual({ unread: 3 })
    expect(server.calls.map((c) => [c.path, c.auth])).toEqual([
      ['/api/me/notifications/unread-count', 'Bearer access-1'],
      ['/api/auth/refresh', null],
      ['/api/me/notifications/unread-count', 'Bearer access-2'],
    ])
    expect(JSON.parse(localStorage.getItem('yce.session')!)).toMatchObject({ accessToken: 'access-2', refreshToken: 'refresh-2' })
  })

  it('shares one refresh among concurrent 401s, and repeats each request with its body', async () => {
    const server = fakeServer()
    server.releaseMe()
    const api = createApi({ session, baseUrl: 'http://h5.test/api', fetch: server.fetch })

    const calls = [
      api.GET('/me/notifications/unread-count'),
      api.POST('/demands/{demand_id}/reports', { params: { path: { demand_id: 'd1' } }, body: { reason: 'illegal', text: null } }),
      api.GET('/me/notifications/unread-count'),
    ]
    await vi.waitFor(() => expect(server.calls.filter((c) => c.path === '/api/auth/refresh')).toHaveLength(1))
    server.releaseRefresh()
    const answers = await Promise.all(calls)

    expect(answers.map((a) => a.response.status)).toEqual([200, 200, 200])
    expect(server.calls.filter((c) => c.path === '/api/auth/refresh')).toHaveLength(1)
    const repeatedReport = server.calls.filter((c) => c.path === '/api/demands/d1/reports').at(-1)!
    expect(repeatedReport).toMatchObject({ auth: 'Bearer access-2', body: '{"reason":"illegal","text":null}' })
  })

  it('repeats without refreshing a request that was sent with a token another request already replaced', async () => {
    const server = fakeServer()
    server.releaseRefresh()
    const api = createApi({ session, baseUrl: 'http://h5.test/api', fetch: server.fetch })
    const slow = api.GET('/me')
    await unwrap(api.GET('/me/notifications/unread-count'))
    server.releaseMe()

    expect((await slow).response.status).toBe(200)
    expect(server.calls.filter((c) => c.path === '/api/auth/refresh')).toHaveLength(1)
    expect(server.calls.filter((c) => c.path === '/api/me').map((c) => c.auth)).toEqual(['Bearer access-1', 'Bearer access-2'])
  })

  it('signs out once when the refresh token is refused, and does not repeat the request', async () => {
    session.save({ ...pair(1), refresh_token: 'revoked' })
    const server = fakeServer()
    server.releaseRefresh()
    server.releaseMe()
    const onSignedOut = vi.fn()
    const api = createApi({ session, baseUrl: 'http://h5.test/api', fetch: server.fetch, onSignedOut })

    const answers = await Promise.all([api.GET('/me/notifications/unread-count'), api.GET('/me')])

    expect(answers.map((a) => a.response.status)).toEqual([401, 401])
    expect(onSignedOut).toHaveBeenCalledTimes(1)
    expect(session.current).toBeNull()
    expect(localStorage.getItem('yce.session')).toBeNull()
  })

  it('never refreshes for a refused login: wrong credentials are the answer', async () => {
    session.clear()
    const fetch = vi.fn(async () => refused(401, 'INVALID_CREDENTIALS', '账号或密码错误'))
    const api = createApi({ session, baseUrl: 'http://h5.test/api', fetch })

    const error = await unwrap(
      api.POST('/auth/login', { body: { account_type: 'individual', login: '13800000000', password: 'x' } }),
    ).catch((e: unknown) => e)

    expect(fetch).toHaveBeenCalledTimes(1)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 401, code: 'INVALID_CREDENTIALS', message: '账号或密码错误' })
  })
})

describe('the 000000 gate', () => {
  beforeEach(() => localStorage.clear())

  it('marks the session and routes to the forced change when the server answers PASSWORD_CHANGE_REQUIRED', async () => {
    const session = new Session(localStorage)
    session.save(pair(1))
    const onPasswordChangeRequired = vi.fn()
    const fetch = vi.fn(async () => refused(403, 'PASSWORD_CHANGE_REQUIRED', '首次登录请先修改初始密码'))
    const api = createApi({ session, baseUrl: 'http://h5.test/api', fetch, onPasswordChangeRequired })

    const error = await unwrap(api.GET('/me')).catch((e: unknown) => e)

    expect(onPasswordChangeRequired).toHaveBeenCalledOnce()
    expect(session.current?.mustChangePassword).toBe(true)
    expect(error).toMatchObject({ code: 'PASSWORD_CHANGE_REQUIRED', message: '首次登录请先修改初始密码' })
  })

  it('leaves other 403s alone', async () => {
    const session = new Session(localStorage)
    session.save(pair(1))
    const onPasswordChangeRequired = vi.fn()
    const fetch = vi.fn(async () => refused(403, 'FORBIDDEN', '无权访问'))
    const api = createApi({ session, baseUrl: 'http://h5.test/api', fetch, onPasswordChangeRequired })

    await api.GET('/me')

    expect(onPasswordChangeRequired).not.toHaveBeenCalled()
    expect(session.current?.mustChangePassword).toBe(false)
  })
})
