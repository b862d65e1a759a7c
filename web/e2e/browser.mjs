// What every end-to-end script shares: Debian's Chromium at the phone size the guide shows (390×844),
// screenshots, assertions, signing in through the UI and reading SMS codes off the local stack's log.
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { chromium } from 'playwright-core'

/** The config tests/web_stack.py passes: {baseUrl, outDir, smsLog, ...what the script needs}. */
export const config = JSON.parse(process.argv[2] ?? '{}')

export async function mobilePage() {
  mkdirSync(config.outDir, { recursive: true })
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // Background networking off: this machine's closed network refuses Chromium's own connections.
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
           '--disable-sync', '--no-first-run'],
  })
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
  })
  const page = await context.newPage()
  const apiCalls = []
  page.on('request', (request) => {
    const { pathname } = new URL(request.url())
    if (pathname.startsWith('/api/')) apiCalls.push(`${request.method()} ${pathname}`)
  })
  return { browser, context, page, apiCalls }
}

export const shot = (page, name) => page.screenshot({ path: join(config.outDir, `${name}.png`) })

export function expect(condition, message) {
  if (!condition) throw new Error(message)
}

/** 登录 as an organization (组织/团体 tab) or an individual (个人, by phone). */
export async function signIn(page, login, password, { individual = false } = {}) {
  await page.goto(`${config.baseUrl}/login`)
  if (!individual) await page.getByRole('tab', { name: '组织/团体' }).click()
  await page.getByPlaceholder(individual ? '请输入手机号' : '请输入组织/团体账号').fill(login)
  await page.getByPlaceholder('请输入密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
}

/** A call to the local stack's API (seeding and checks around the UI); refuses any answer but 2xx. */
export async function apiCall(method, path, token, body) {
  const response = await fetch(`${config.baseUrl}/api${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const answer = await response.json()
  expect(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(answer)}`)
  return answer
}

/** The last code the local stack "sent" to `phone` (it writes every SMS to its log). */
export function lastSmsCode(phone) {
  const codes = [...readFileSync(config.smsLog, 'utf8').matchAll(new RegExp(`SMS to ${phone}: \\D*(\\d{6})`, 'g'))]
  expect(codes.length > 0, `no SMS code for ${phone} in ${config.smsLog}`)
  return codes.at(-1)[1]
}
