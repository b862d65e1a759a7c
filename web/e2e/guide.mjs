// The operating guide's whole flow through the UI, one browser context per role (tests/test_web_e2e_guide.py seeds
// it): 个人用户 P asks for help (求助 tab → 登录 → the 青年云支教 form), 团组织 L adopts it and publishes a linked demand
// in three steps, 志愿服务组织 V claims it (and is refused a sixth pending claim), L confirms, V sees the leader's
// phones and publishes an activity, volunteer U reports the demand (signed out → 登录, then a second report
// refused), signs up and checks in with V's rotating code (and is refused a check-in outside another activity's
// radius), L and V rate each other and each sees the other's points in 我的积分, U checks out (hours counted) and P's
// 我的求助 says 已发布.
// Config: {baseUrl, outDir, smsLog, person, volunteer, league, org (each {login, password}), contactPhone,
// leaderMobile, orgQuery, orgName, helpTitle, demandTitle, limitDemandId}. Prints what each screen showed.
import { apiCall as call, config, expect, lastSmsCode, mobilePage, shot as shotOf } from './browser.mjs'

const { baseUrl, person, volunteer, league, org, contactPhone, leaderMobile, helpTitle, demandTitle } = config
const began = Date.now()
const { browser, context: personContext, page: P } = await mobilePage()
const report = { tabBar: {}, marks: {} }
/** Seconds since the start at each stage, for the run-time report. */
const mark = (name) => { report.marks[name] = Math.round((Date.now() - began) / 100) / 10 }
const SHENZHEN = { latitude: 22.543099, longitude: 114.057868 }
const GUANGZHOU = { latitude: 23.129163, longitude: 113.264435 } // about 105 km from the activity

async function role(position) {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
  })
  if (position) {
    await context.grantPermissions(['geolocation'], { origin: baseUrl })
    await context.setGeolocation(position)
  }
  return context.newPage()
}
const L = await role()
const V = await role(SHENZHEN)
const U = await role(GUANGZHOU)
let last = P

/** A screenshot once Vant's popups have finished sliding and, unless kept, the toasts have gone. */
async function shot(page, name, { keepToast = false } = {}) {
  last = page
  await page.waitForTimeout(300)
  if (!keepToast)
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.van-toast')].every((t) => getComputedStyle(t).display === 'none'))
  await shotOf(page, name)
}
const tabs = (page) => page.locator('.van-tabbar-item__text').allInnerTexts().then((t) => t.map((s) => s.trim()))
const toast = async (page, text) => {
  const found = page.locator('.van-toast__text', { hasText: text })
  await found.waitFor()
  return (await found.innerText()).trim()
}
const field = (page, label) => page.locator('.van-field', { has: page.locator('.van-field__label', { hasText: label }) })

async function signIn(page, { login, password }, { organization = false } = {}) {
  if (!page.url().includes('/login')) await page.goto(`${baseUrl}/login`)
  if (organization) await page.getByRole('tab', { name: '组织/团体' }).click()
  await page.getByPlaceholder(organization ? '请输入组织/团体账号' : '请输入手机号').fill(login)
  await page.getByPlaceholder('请输入密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
}

/** 我的积分 until it shows `expected` (the ratings stream, pumped by the local stack, awards them within seconds). */
async function pointsUntil(page, path, expected, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    await page.goto(`${baseUrl}${path}`)
    await page.getByText('当前积分').waitFor()
    const balance = page.locator('.balance strong')
    await page.waitForFunction(() => document.querySelector('.balance strong')?.textContent?.trim() !== '-')
    const shown = (await balance.innerText()).trim()
    if (shown === expected || Date.now() > deadline) return shown
    await page.waitForTimeout(1000)
  }
}

/** The code V's 签到码 screen shows now (it fetches the next one itself when it rotates). */
const currentCode = async () => (await V.getByTestId('check-in-code').innerText()).trim()

try {
  // ── P, signed out: 首页's tab bar offers 求助, which asks to sign in first and comes back to the form.
  await P.goto(`${baseUrl}/`)
  await P.locator('.demand-card').first().waitFor()
  report.tabBar.signedOut = await tabs(P)
  await shot(P, '01-home-signed-out')
  await P.locator('.van-tabbar-item', { hasText: '求助' }).click()
  await P.waitForURL(/\/login\?redirect=/)
  await shot(P, '02-help-login')
  await signIn(P, person)
  await P.waitForURL(/\/help$/)
  await P.getByText('所需辅导课程（最多选3项）').waitFor()
  report.helpAfterLogin = true
  report.tabBar.individual = await tabs(P)

  // 求助 (青年云支教): every required field, the contact phone proven by an SMS code.
  await field(P, '需求标题').locator('input').fill(helpTitle)
  await field(P, '学生姓名').locator('input').fill('赵小二')
  await P.getByRole('radio', { name: '男' }).click()
  await field(P, '当前所在年级').click()
  await P.locator('.van-picker-column__item', { hasText: '小学一年级' }).waitFor()
  await P.getByRole('button', { name: '确认' }).click()
  await field(P, '所在学校').locator('input').fill('李村小学')
  await field(P, '所在市').click()
  await P.locator('.van-picker-column__item', { hasText: '广州市' }).waitFor()
  await P.getByRole('button', { name: '确认' }).click()
  await field(P, '详细联系地址').locator('textarea').fill('深圳市罗湖区李村小学')
  await P.getByRole('checkbox', { name: '数学' }).check()
  await field(P, '数学').locator('input').fill('58')
  await P.getByRole('checkbox', { name: '绘画' }).check()
  await field(P, '所在组织').click()
  await P.getByPlaceholder('搜索团组织名称').fill(config.orgQuery)
  await P.getByPlaceholder('搜索团组织名称').press('Enter')
  await P.locator('.org-option', { hasText: config.orgName }).first().click()
  await field(P, '联系人姓名').locator('input').fill('赵雷')
  await field(P, '联系人手机号码').locator('input').fill(contactPhone)
  await P.getByRole('button', { name: '发送验证码' }).click()
  await P.getByText(/^\d+秒$/).waitFor()
  await P.getByPlaceholder('请输入验证码').fill(lastSmsCode(contactPhone))
  await shot(P, '03-help-form')
  await P.getByRole('button', { name: '提交' }).click()
  await P.waitForURL(/\/help\/done$/)
  await P.getByText('发布成功').first().waitFor()
  await shot(P, '04-help-done')

  mark('help')
  // ── L: 初始需求 → 采用.
  await signIn(L, league, { organization: true })
  await L.waitForURL(/\/me$/)
  await L.getByText('初始需求').click()
  await L.getByText(helpTitle).waitFor()
  await shot(L, '05-league-help-inbox')
  await L.getByText(helpTitle).click()
  await L.getByRole('button', { name: '采用', exact: true }).click()
  await L.locator('.van-dialog').getByRole('button', { name: '确认' }).click()
  const adopted = L.getByText('已采用', { exact: true }).first()
  await adopted.waitFor()
  report.adopted = (await adopted.innerText()).trim()
  await L.getByRole('button', { name: '不采用' }).waitFor({ state: 'detached' })
  await shot(L, '06-league-adopted')

  // 发布, 1 填写需求内容 with 关联的求助需求 → 2 确认组织信息 (leader mobile by SMS) → 3 完成发布.
  await L.goto(`${baseUrl}/me`)
  await L.getByText('发布需求').click()
  await L.getByText('填写需求内容').waitFor()
  await L.getByPlaceholder('请输入需求标题').fill(demandTitle)
  await L.getByText('关联的求助需求').click()
  const linkRow = L.locator('.van-popup .van-cell', { hasText: helpTitle })
  await linkRow.locator('.van-checkbox').click()
  await L.locator('.van-popup').getByText('完成').click()
  report.linkedRequest = (await field(L, '关联的求助需求').locator('input').inputValue()).trim()
  await L.locator('.van-tag', { hasText: '关爱未成年人' }).click()
  await L.getByPlaceholder('请输入人数').fill('6')
  await L.getByPlaceholder('请输入需求内容').fill('李村小学的孩子上学期数学成绩中等偏下，解方程是弱项。')
  await L.locator('input[type=date]').nth(0).fill('2099-06-05')
  await L.locator('input[type=date]').nth(1).fill('2099-06-30')
  await L.locator('.van-checkbox', { hasText: '餐饮保障' }).click()
  await shot(L, '07-publish-content')
  await L.getByRole('button', { name: '下一步' }).click()
  await L.getByPlaceholder('请输入负责人手机号码').waitFor()
  await L.getByPlaceholder('请输入负责人姓名').fill('李雷')
  await L.getByPlaceholder('请输入固定电话').fill('0755-88889999')
  const district = L.getByPlaceholder('如：罗湖区')
  if (!(await district.inputValue())) await district.fill('罗湖区')
  await L.getByPlaceholder('请输入负责人手机号码').fill(leaderMobile)
  await L.getByRole('button', { name: '发送验证码' }).click()
  await L.getByText(/\d+秒/).waitFor()
  await L.getByPlaceholder('请输入验证码').fill(lastSmsCode(leaderMobile))
  await shot(L, '08-publish-org')
  await L.getByRole('button', { name: '发布', exact: true }).click()
  await L.getByText('发布成功').waitFor()
  await shot(L, '09-publish-done')

  mark('published')
  // ── V (profile complete): finds the demand on 首页, 我要认领, the guide's 提示.
  await signIn(V, org, { organization: true })
  await V.waitForURL(/\/me$/)
  report.tabBar.volunteerOrg = await tabs(V)
  await V.goto(`${baseUrl}/`)
  await V.getByPlaceholder('搜索需求或组织').fill('李村小学')
  await V.getByPlaceholder('搜索需求或组织').press('Enter')
  const card = V.locator('.demand-card', { hasText: demandTitle })
  await card.waitFor()
  await shot(V, '10-org-home-search')
  await card.click()
  await V.waitForURL(/\/demands\/[^/]+$/)
  const demandId = V.url().split('/').at(-1)
  await V.getByRole('button', { name: '我要认领' }).click()
  await V.getByPlaceholder('选填：向团组织说明本组织的服务能力').fill('本组织有12位数学专业的志愿者，可在周末线上辅导。')
  await shot(V, '11-org-claim-form')
  await V.getByRole('button', { name: '提交认领申请' }).click()
  await V.getByText('您的认领申请已发送给需求团组织').waitFor()
  await shot(V, '12-org-claim-sent')
  await V.getByRole('button', { name: '确定' }).click()
  const pending = V.locator('.van-action-bar-button', { hasText: '申请认领中' })
  await pending.waitFor()
  report.claimPending = (await pending.innerText()).trim()

  // Refused: a sixth pending application (four seeded + this one make five).
  await V.goto(`${baseUrl}/demands/${config.limitDemandId}`)
  await V.getByRole('button', { name: '我要认领' }).click()
  await V.getByRole('button', { name: '提交认领申请' }).click()
  report.claimLimit = await toast(V, '已达上限')
  await shot(V, '13-org-claim-limit', { keepToast: true })

  mark('claimed')
  // ── L: 待确认 → 同意.
  await L.goto(`${baseUrl}/league/claims`)
  const claim = L.locator('.claim', { hasText: demandTitle })
  await claim.waitFor()
  await shot(L, '14-league-claim-inbox')
  await claim.getByRole('button', { name: '同意' }).click()
  await L.locator('.van-dialog').getByRole('button', { name: '确认' }).click()
  await toast(L, '已同意认领')
  await claim.waitFor({ state: 'detached' })
  await shot(L, '15-league-confirmed', { keepToast: true })

  mark('confirmed')
  // ── V: the leader's phones on the demand, then 发布活动 from 我的申请 (consent to the certificate given).
  await V.goto(`${baseUrl}/demands/${demandId}`)
  await V.locator('.van-action-bar-button', { hasText: '认领成功' }).waitFor()
  await V.getByRole('tab', { name: '组织/团体信息' }).click()
  const mobileCell = V.locator('.van-cell', { hasText: '负责人手机号码' })
  await mobileCell.waitFor()
  report.leaderMobile = (await mobileCell.locator('.van-cell__label').innerText()).trim()
  await shot(V, '16-org-contacts')
  await V.goto(`${baseUrl}/org/claims`)
  await V.locator('.claim', { hasText: demandTitle }).getByText('发布活动').click()
  await V.waitForURL(/\/activities\/new$/)
  await V.waitForFunction(() => document.querySelector('input[placeholder="请输入联系人姓名"]')?.value)
  await V.getByPlaceholder('请输入活动地址').fill('广东深圳市罗湖区李村小学')
  await V.getByRole('button', { name: '使用我的位置' }).click()
  await V.waitForFunction(() => document.querySelector('input[placeholder="如 114.057868"]')?.value)
  await V.getByText('青少年', { exact: true }).click()
  await V.getByPlaceholder('请输入服务内容').fill('6位数学老师线上辅导解方程，需要光线明亮的环境。')
  report.consentChecked = (await V.getByRole('checkbox', { name: /志愿服务记录证书/ }).getAttribute('aria-checked')) === 'true'
  await V.screenshot({ path: `${config.outDir}/17-org-publish-activity.png`, fullPage: true })
  // The service starts at the next whole minute at least 5 s away (the form takes minutes), so time can pass
  // inside it before the check-out while the rest of the flow runs. Filled last, then sent at once.
  const fillTimes = async () => {
    const times = await V.evaluate(() => {
      const local = (d) => {
        const pad = (n) => String(n).padStart(2, '0')
        return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
      }
      const start = new Date(Date.now() + 5000)
      start.setSeconds(60, 0)
      const at = (ms) => local(new Date(start.getTime() + ms))
      return { start: start.getTime(), recruitStart: at(-3600000), recruitEnd: at(3600000), serviceStart: at(0),
               serviceEnd: at(7200000) }
    })
    for (const name of ['recruitStart', 'recruitEnd', 'serviceStart', 'serviceEnd'])
      await V.locator(`input[name=${name.replace(/[A-Z]/, (c) => `_${c.toLowerCase()}`)}]`).fill(times[name])
    await V.getByRole('button', { name: '发布活动' }).click()
    return times
  }
  let times = await fillTimes()
  // A slow machine may pass the start before the form is sent: the server refuses it under 服务开始; once more.
  const published = await Promise.race([
    V.waitForURL(/\/roster$/).then(() => true, () => null),
    field(V, '服务开始').locator('.van-field__error-message').waitFor().then(() => false, () => null),
  ])
  if (!published) times = await fillTimes()
  report.marks.serviceStart = Math.round((times.start - began) / 100) / 10
  await V.waitForURL(/\/roster$/)
  const activityId = V.url().split('/').at(-2)
  await V.getByText('暂无志愿者报名').waitFor()
  await shot(V, '18-org-roster')
  await V.goto(`${baseUrl}/activities/${activityId}/check-in-code`)
  await V.getByTestId('check-in-code').waitFor()
  report.checkInCode = await currentCode()
  await shot(V, '19-org-check-in-code')

  mark('activity')
  // A second activity of V's, checked in by position within 1 km (over HTTP: the refused check-in's target).
  const orgToken = (await call('POST', '/auth/login', null, { account_type: 'organization', ...org })).access_token
  const iso = (ms) => new Date(Date.now() + ms).toISOString()
  const located = await call('POST', `/demands/${demandId}/activities`, orgToken, {
    title: '【定位签到】李村小学现场辅导', activity_type: '公益活动（不计入服务时长）', category: '教育辅导',
    volunteers_to_recruit: 5, contact_name: '李志愿', contact_mobile: '13900000002', recruit_start: iso(-60000),
    recruit_end: iso(3600000), service_start: iso(600000), service_end: iso(7200000), address: '广东深圳市罗湖区李村小学',
    coordinates: { longitude: SHENZHEN.longitude, latitude: SHENZHEN.latitude }, sign_in_method: '定位签到签退',
    attendance_radius_km: 1, who_may_sign_up: '所有志愿者可报名', service_targets: ['青少年'],
    introduction: '在李村小学现场辅导数学。', service_content: '现场辅导解方程。', certificate_consent: false,
  })

  mark('activity2')
  // ── U, signed out: 举报 on the demand asks to sign in and comes back; one report, then a second refused.
  await U.goto(`${baseUrl}/demands/${demandId}`)
  await U.locator('.van-action-bar-icon', { hasText: '举报' }).click()
  await U.waitForURL(/\/login\?redirect=/)
  report.reportSignedOut = new URL(U.url()).pathname
  await shot(U, '20-report-login')
  await signIn(U, volunteer)
  await U.waitForURL(new RegExp(`/demands/${demandId}$`))
  await U.locator('.van-action-bar-icon', { hasText: '举报' }).click()
  await U.locator('.van-popup .van-cell', { hasText: '虚假信息' }).click()
  await U.locator('.van-popup textarea').fill('需求内容与实际情况不符，联系电话无法接通。')
  await shot(U, '21-report-form')
  await U.getByRole('button', { name: '提交举报' }).click()
  report.reported = await toast(U, '举报已提交')
  await shot(U, '22-reported', { keepToast: true })
  await U.locator('.van-action-bar-icon', { hasText: '举报' }).click()
  await U.locator('.van-popup .van-cell', { hasText: '广告骚扰' }).click()
  await U.getByRole('button', { name: '提交举报' }).click()
  const refusal = U.locator('.report-refusal')
  await refusal.waitFor()
  report.reportedAgain = (await refusal.innerText()).trim()
  await shot(U, '23-reported-again')
  await U.locator('.van-popup__close-icon').click()

  // 报名 the activity (found under the demand's 志愿服务活动), 签到 with the code on V's screen.
  await U.reload()
  await U.locator('.demand-activities .van-cell', { hasText: demandTitle.slice(0, 12) }).click()
  await U.waitForURL(new RegExp(`/activities/${activityId}$`))
  await U.getByText('签到方式').waitFor()
  await shot(U, '24-activity')
  await U.getByRole('button', { name: '我要报名' }).click()
  await U.getByRole('button', { name: '取消报名' }).waitFor()
  await U.locator('.van-action-bar-button', { hasText: /^签到$/ }).click()
  await U.getByPlaceholder('请输入现场展示的6位签到码').fill(await currentCode())
  await shot(U, '25-check-in')
  await U.getByRole('button', { name: '确认签到' }).click()
  report.checkedIn = await toast(U, '签到成功')
  await U.locator('.van-popup--bottom').waitFor({ state: 'hidden' })
  await shot(U, '26-checked-in', { keepToast: true })

  // Refused: 签到 by position, about 105 km from an activity whose radius is 1 km.
  await U.goto(`${baseUrl}/activities/${located.activity_id}`)
  await U.getByRole('button', { name: '我要报名' }).click()
  await U.getByRole('button', { name: '取消报名' }).waitFor()
  await U.locator('.van-action-bar-button', { hasText: /^签到$/ }).click()
  report.outsideRadius = await toast(U, '您距离活动地点约')
  await shot(U, '27-outside-radius', { keepToast: true })

  mark('checkedIn')
  // ── Both sides rate: L rates V 4★ (待评分), V rates L 5★ (我的申请 → 待评分).
  await L.goto(`${baseUrl}/me`)
  await L.locator('.van-grid-item', { hasText: '待评分' }).click()
  await L.getByText(demandTitle).click()
  await L.getByRole('button', { name: '提交评分' }).waitFor()
  await L.locator('.van-rate__item').nth(3).click()
  await L.getByPlaceholder('选填').fill('辅导认真负责，孩子们进步明显。')
  await shot(L, '28-league-rate')
  await L.getByRole('button', { name: '提交评分' }).click()
  await L.getByText('我的评分').waitFor()
  await V.goto(`${baseUrl}/org/claims?status=to_rate`)
  await V.locator('.claim', { hasText: demandTitle }).getByRole('button', { name: '评分' }).click()
  await V.getByPlaceholder('选填；1–2星请填写不少于10个字的理由').fill('沟通顺畅，需求描述清楚。')
  await shot(V, '29-org-rate')
  await V.getByRole('button', { name: '提交评分' }).click()
  await V.getByText('暂无认领申请').waitFor()

  mark('rated')
  // 我的积分 on each side: the points the other's rating brought (4★ → 8, 5★ → 12), from the ratings stream.
  report.orgPoints = await pointsUntil(V, '/org/points', '8')
  await shot(V, '30-org-points')
  report.leaguePoints = await pointsUntil(L, '/league/points', '12')
  await shot(L, '31-league-points')

  mark('points')
  // ── P: 我的求助 follows the request to 已发布.
  await P.goto(`${baseUrl}/me/help-requests`)
  const row = P.locator('.help-row', { hasText: helpTitle })
  await row.waitFor()
  report.helpStatus = (await row.locator('.van-tag').first().innerText()).trim()
  await shot(P, '34-my-help-request')

  // ── U: 签退 once the service has run 37 s (0.01 h; a bounded wait for the clock, the flow above ran meanwhile).
  await V.goto(`${baseUrl}/activities/${activityId}/check-in-code`)
  await V.getByTestId('check-in-code').waitFor()
  await U.waitForFunction((until) => Date.now() >= until, times.start + 37000, { timeout: 90000, polling: 500 })
  mark('waitedForTheClock')
  await U.goto(`${baseUrl}/activities/${activityId}`)
  await U.locator('.van-action-bar-button', { hasText: '签退' }).click()
  await U.getByPlaceholder('请输入现场展示的6位签到码').fill(await currentCode())
  await U.getByRole('button', { name: '确认签退' }).click()
  report.checkedOut = await toast(U, '签退成功')
  await shot(U, '32-checked-out', { keepToast: true })
  await U.goto(`${baseUrl}/me/service-records`)
  await U.locator('.van-cell', { hasText: '签退：' }).first().waitFor()
  await U.waitForFunction(() => document.querySelector('.totals strong')?.textContent?.trim() !== '-')
  report.totalHours = Number((await U.locator('.totals strong').first().innerText()).trim())
  await shot(U, '33-service-records')

  mark('checkedOut')
  report.seconds = Math.round((Date.now() - began) / 1000)
  console.log(JSON.stringify(report))
} catch (error) {
  await shotOf(last, 'failure').catch(() => {})
  for (const [name, page] of Object.entries({ P, L, V, U }))
    await shotOf(page, `failure-${name}`).catch(() => {})
  throw error
} finally {
  await browser.close()
}
