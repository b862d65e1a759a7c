// The browser smoke: Debian's Chromium at 390×844 drives the built client against a real local stack.
// Config (tests/test_web_e2e.py): {baseUrl, outDir, smsLog, volunteer: {login, password},
// freshLeague: {login, mobile, newPassword}}; screenshots go to outDir, the first screens' API calls to stdout.
import { config, expect, lastSmsCode, mobilePage, shot as shotOf, signIn as signInOf } from './browser.mjs'

const { baseUrl, volunteer, freshLeague } = config
const { browser, page, apiCalls } = await mobilePage()
const shot = (name) => shotOf(page, name)
const signIn = (login, password) => signInOf(page, login, password)

async function firstScreenOfHome(name) {
  apiCalls.length = 0
  await page.goto(`${baseUrl}/`)
  await page.getByText('需求数').waitFor()
  await page.locator('.demand-card').first().waitFor()
  await page.waitForLoadState('networkidle')
  await shot(name)
  expect(apiCalls.length <= 3, `首页 made ${apiCalls.length} API calls: ${apiCalls.join(', ')}`)
  return [...apiCalls]
}

try {
  const anonymous = await firstScreenOfHome('home-anonymous')

  // The 000000 gate: a new 团组织 lands on the forced change and cannot leave it before changing.
  await signIn(freshLeague.login, '000000')
  await page.waitForURL(/\/password/)
  await page.goto(`${baseUrl}/`)
  await page.waitForURL(/\/password/)
  await page.getByText('首次登录请先修改初始密码').waitFor()
  await shot('password-gate')
  await page.getByRole('button', { name: '发送验证码' }).click()
  await page.getByText(/\d+秒/).waitFor()
  await page.getByPlaceholder('请输入当前密码').fill('000000')
  await page.getByPlaceholder('请输入验证码').fill(lastSmsCode(freshLeague.mobile))
  // A password the server refuses: its message shows under 新密码.
  for (const placeholder of ['请输入新密码', '请再次输入新密码']) await page.getByPlaceholder(placeholder).fill('12345678')
  await page.getByRole('button', { name: '确认修改' }).click()
  await page.locator('.van-field__error-message').waitFor()
  await shot('password-refused')
  for (const placeholder of ['请输入新密码', '请再次输入新密码'])
    await page.getByPlaceholder(placeholder).fill(freshLeague.newPassword)
  await page.getByRole('button', { name: '确认修改' }).click()
  await page.waitForURL(/\/me$/)
  await page.getByText('退出登录').click()
  await page.waitForURL(`${baseUrl}/`)

  // A wrong password: the server's Chinese message, as a toast.
  await signIn(volunteer.login, 'wrong-password-1')
  await page.locator('.van-toast').waitFor()
  await shot('login-refused')

  await signIn(volunteer.login, volunteer.password)
  await page.waitForURL(/\/me$/)
  await page.getByText('退出登录').waitFor()
  await page.waitForLoadState('networkidle')
  await shot('me')

  const signedIn = await firstScreenOfHome('home')
  expect(signedIn.includes('GET /api/me/notifications/unread-count'), 'the badge was not fetched when signed in')

  await page.locator('.demand-card').first().click()
  await page.waitForURL(/\/demands\//)
  await page.getByText('1 发布需求').waitFor()
  await shot('demand')
  const before = Number((await page.getByText(/^点赞 \d+$/).innerText()).split(' ')[1])
  const liked = (await page.getByText('已点赞').count()) > 0
  await page.locator('.van-action-bar-icon', { hasText: '点赞' }).click()
  await page.getByText(`点赞 ${liked ? before - 1 : before + 1}`).waitFor()
  await page.getByRole('tab', { name: '组织/团体信息' }).click()
  await page.getByText('团组织名称').waitFor()
  await shot('demand-org')

  console.log(JSON.stringify({ anonymousHomeCalls: anonymous, signedInHomeCalls: signedIn }))
} catch (error) {
  await shot('failure').catch(() => {})
  throw error
} finally {
  await browser.close()
}
