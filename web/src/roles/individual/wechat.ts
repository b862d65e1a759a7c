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

// ---------------------------------------------------------------- JS-SDK: the position at check-in

const SDK_URL = 'https://res.wx.qq.com/open/js/jweixin-1.6.0.js'

interface WechatSdk {
  config(options: Record<string, unknown>): void
  ready(callback: () => void): void
  error(callback: (reason: unknown) => void): void
  getLocation(options: {
    type: 'wgs84'
    success: (position: { latitude: number; longitude: number }) => void
    fail: (reason: unknown) => void
    cancel?: () => void
  }): void
}

declare global {
  interface Window {
    wx?: WechatSdk
  }
}

function loadSdk(): Promise<WechatSdk> {
  if (window.wx) return Promise.resolve(window.wx)
  return new Promise((resolve, reject) => {
    const script = document.createElement('script')
    script.src = SDK_URL
    script.onload = () => (window.wx ? resolve(window.wx) : reject(new Error('微信接口加载失败')))
    script.onerror = () => reject(new Error('微信接口加载失败'))
    document.head.appendChild(script)
  })
}

/** The phone's position through wx.getLocation (WeChat's own, more reliable in its webview than the browser's),
 * with `signature` the answer of POST /wechat/js-sdk-signature for this page. WGS-84, like the browser's. */
export async function wechatPosition(signature: {
  app_id: string
  timestamp: number
  nonce_str: string
  signature: string
}): Promise<{ latitude: number; longitude: number }> {
  const wx = await loadSdk()
  return new Promise((resolve, reject) => {
    wx.config({
      appId: signature.app_id,
      timestamp: signature.timestamp,
      nonceStr: signature.nonce_str,
      signature: signature.signature,
      jsApiList: ['getLocation', 'scanQRCode'],
    })
    wx.error(() => reject(new Error('微信接口验证失败')))
    wx.ready(() =>
      wx.getLocation({
        type: 'wgs84',
        success: ({ latitude, longitude }) => resolve({ latitude, longitude }),
        fail: () => reject(new Error('获取位置失败，请重试')),
        cancel: () => reject(new Error('请允许获取位置信息')),
      }),
    )
  })
}
