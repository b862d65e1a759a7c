// The 志愿服务组织's flow and the 志愿者's, in Chromium at 390×844 against a local stack.
// Config (tests/test_web_e2e_volunteer_org.py): {baseUrl, outDir, smsLog, demandId, volunteerOrg, league, bareOrg,
// individual}; every {login, password}. The 团组织's confirmation goes over HTTP (its screens are another role's).
// Prints {pendingLabel, claimedLabel, leaderMobile, refusedWith, refusedField, checkInCode, wrongCode, rosterStatus,
// refusedImage, photoShown, activityPhotoShown}.
import { apiCall as call, config, expect, mobilePage, shot as shotOf, signIn } from './browser.mjs'

const { baseUrl, demandId, volunteerOrg, league, bareOrg, individual } = config
const { browser, context, page } = await mobilePage()
const report = {}
let current = page
const shot = (name, options = {}) =>
  options.fullPage ? current.screenshot({ path: `${config.outDir}/${name}.png`, fullPage: true }) : shotOf(current, name)

// A 48×48 PNG (red and white squares), the photo 完善信息 uploads.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAAATklEQVR42u3XsQ0AIAgEQGrHcP+h2ERHEBKjzRHq5zogcsxjr0LdygkgICAgIKAm6OWwSg4QEBAQEFAXZNsDAQEBAfnLnB9AQEBAQF9BG3XIKY+8/dQGAAAAAElFTkSuQmCC', 'base64')

/** A datetime-local value `minutes` from now, in the browser's own time zone. */
const localIn = (minutes) =>
  page.evaluate((m) => {
    const d = new Date(Date.now() + m * 60000)
    const pad = (n) => String(n).padStart(2, '0')
    return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
  }, minutes)

/** Vant's popups and dialogs slide in and fade out: shots wait for the animation to end. */
const settle = () => current.waitForTimeout(400)

async function signOut(p) {
  await p.goto(`${baseUrl}/me`)
  await p.getByText('退出登录').click()
  await p.waitForURL(`${baseUrl}/`)
}

try {
  await context.grantPermissions(['geolocation'], { origin: baseUrl })
  await context.setGeolocation({ latitude: 22.543099, longitude: 114.057868 })

  // 我的: the counters and the entries.
  await signIn(page, volunteerOrg.login, volunteerOrg.password)
  await page.waitForURL(/\/me$/)
  await page.getByText('我的申请').waitFor()
  await page.locator('.todo strong', { hasText: /^\d+$/ }).first().waitFor()
  await shot('org-me')

  // 完善信息: the demo organization's profile, loaded.
  await page.getByText('完善信息').click()
  await page.waitForURL(/\/org\/profile$/)
  await page.getByPlaceholder('请输入负责人姓名').and(page.locator('input')).waitFor()
  await page.waitForFunction(() => document.querySelector('input[placeholder="请输入负责人姓名"]')?.value)
  await shot('org-profile')

  // 组织/团体照片: a GIF is refused before any request; a PNG goes up (POST /uploads, then the bucket), is saved
  // with the profile and shown again from its presigned URL when 完善信息 reopens.
  const picker = page.locator('.van-uploader input[type=file]')
  await picker.setInputFiles({ name: 'team.gif', mimeType: 'image/gif', buffer: Buffer.from('GIF89a') })
  const toast = page.locator('.van-toast__text', { hasText: '格式' })
  await toast.waitFor()
  report.refusedImage = (await toast.innerText()).trim()
  await toast.waitFor({ state: 'hidden' })
  await picker.setInputFiles({ name: 'team.png', mimeType: 'image/png', buffer: PNG })
  await page.locator('.van-uploader__preview').first().waitFor()
  await page.locator('.van-uploader__mask').waitFor({ state: 'detached' })
  await page.locator('.van-uploader').scrollIntoViewIfNeeded()
  await shot('org-profile-photo')
  await page.getByRole('button', { name: '保存' }).click()
  await page.waitForURL(/\/me$/)
  await page.goto(`${baseUrl}/org/profile`)
  const saved = page.locator('.van-uploader__preview img').first()
  await saved.waitFor()
  await page.waitForFunction(() => document.querySelector('.van-uploader__preview img')?.naturalWidth === 48)
  report.photoShown = new URL(await saved.getAttribute('src')).pathname.includes('/images/')
  await page.locator('.van-uploader').scrollIntoViewIfNeeded()
  await shot('org-profile-saved-photo')

  // 我要认领: the form with its 提示, then the guide's 提示 once sent.
  await page.goto(`${baseUrl}/demands/${demandId}`)
  await page.getByRole('button', { name: '我要认领' }).click()
  await page.getByText('提交认领申请').waitFor()
  await settle()
  await page.getByPlaceholder('选填：向团组织说明本组织的服务能力').fill('本组织有20位数学专业的志愿者，可提供线上辅导。')
  await shot('claim-form')
  await page.getByRole('button', { name: '提交认领申请' }).click()
  await page.getByText('您的认领申请已发送给需求团组织').waitFor()
  await settle()
  await shot('claim-sent')
  await page.getByRole('button', { name: '确定' }).click()
  const pending = page.locator('.van-action-bar-button', { hasText: '申请认领中' })
  await pending.waitFor()
  report.pendingLabel = (await pending.innerText()).trim()
  await page.locator('.van-dialog').waitFor({ state: 'hidden' })
  await settle()
  await shot('demand-pending')

  // 我的申请: the row, with 撤销认领 while it is pending.
  await page.goto(`${baseUrl}/org/claims`)
  await page.locator('.claim').first().waitFor()
  await page.locator('.claim', { hasText: '申请认领中' }).getByText('撤销认领').waitFor()
  await shot('my-claims')

  // The 团组织 confirms (over HTTP): the detail now shows its leader's phones, 我的申请 offers 发布活动.
  const leagueToken = (await call('POST', '/auth/login', null, { account_type: 'organization', ...league })).access_token
  const inbox = await call('GET', '/me/claim-inbox', leagueToken)
  await call('POST', `/claims/${inbox.items[0].claim_id}/confirm`, leagueToken)
  await page.goto(`${baseUrl}/demands/${demandId}`)
  const claimed = page.locator('.van-action-bar-button', { hasText: '认领成功' })
  await claimed.waitFor()
  report.claimedLabel = (await claimed.innerText()).trim()
  await page.getByRole('tab', { name: '组织/团体信息' }).click()
  const mobileCell = page.locator('.van-cell', { hasText: '负责人手机号码' })
  await mobileCell.waitFor()
  report.leaderMobile = (await mobileCell.locator('.van-cell__label').innerText()).trim()
  await shot('demand-contacts')
  await page.locator('.van-action-bar-icon', { hasText: '收藏' }).click()
  await page.getByText('已收藏').waitFor()

  // 发布活动: the form, a refusal next to its field, then the activity.
  await page.goto(`${baseUrl}/org/claims`)
  await page.locator('.claim', { hasText: '认领成功' }).getByText('发布活动').click()
  await page.waitForURL(/\/activities\/new$/)
  await page.waitForFunction(() => document.querySelector('input[placeholder="请输入联系人姓名"]')?.value)
  await page.getByPlaceholder('请输入活动地址').fill('广东深圳市福田区测试地址')
  await page.getByRole('button', { name: '使用我的位置' }).click()
  await page.waitForFunction(() => document.querySelector('input[placeholder="如 114.057868"]')?.value)
  await page.getByText('青少年', { exact: true }).click()
  await page.getByPlaceholder('请输入服务内容').fill('线上辅导解方程，需要光线明亮的环境。')
  await page.locator('input[name=recruit_start]').fill(await localIn(-1))
  await page.locator('input[name=recruit_end]').fill(await localIn(20))
  await page.locator('input[name=service_start]').fill(await localIn(-5)) // refused: already begun
  await page.locator('input[name=service_end]').fill(await localIn(60))
  await page.locator('.van-uploader input[type=file]').setInputFiles({ name: 'activity.png', mimeType: 'image/png', buffer: PNG })
  await page.locator('.van-uploader__preview').first().waitFor()
  await page.locator('.van-uploader__mask').waitFor({ state: 'detached' })
  await shot('publish-form', { fullPage: true })
  await page.getByRole('button', { name: '发布活动' }).click()
  const fieldError = page.locator('.van-field__error-message').first()
  await fieldError.waitFor()
  report.refusedField = (await fieldError.innerText()).trim()
  await fieldError.scrollIntoViewIfNeeded()
  await shot('publish-refused')
  await page.locator('input[name=service_start]').fill(await localIn(10))
  await page.getByRole('button', { name: '发布活动' }).click()
  await page.waitForURL(/\/roster$/)
  const activityId = page.url().split('/').at(-2)
  await page.getByText('暂无志愿者报名').waitFor()
  await shot('roster-empty')
  await page.goto(`${baseUrl}/org/claims`)
  await page.locator('.claim', { hasText: '认领成功' }).getByText('查看活动').waitFor()
  await shot('my-claims-published')

  // 待评分: the organization rates the 团组织; then 我的积分 and 我的收藏.
  await page.goto(`${baseUrl}/org/claims?status=to_rate`)
  await page.locator('.claim').getByRole('button', { name: '评分' }).click()
  await page.getByText('提交评分').waitFor()
  await page.getByPlaceholder('选填；1–2星请填写不少于10个字的理由').fill('沟通顺畅，需求描述清楚。')
  await settle()
  await shot('rate-form')
  await page.getByRole('button', { name: '提交评分' }).click()
  await page.getByText('暂无认领申请').waitFor()
  await page.goto(`${baseUrl}/org/points`)
  await page.getByText('当前积分').waitFor()
  await page.waitForLoadState('networkidle')
  await shot('org-points')
  await page.goto(`${baseUrl}/me/favorites`)
  await page.locator('.favorite-row').first().waitFor()
  await shot('org-favorites')

  // 签到码: stays open on the organization's phone.
  await page.goto(`${baseUrl}/activities/${activityId}/check-in-code`)
  await page.getByTestId('check-in-code').waitFor()
  report.checkInCode = (await page.getByTestId('check-in-code').innerText()).trim()
  await shot('check-in-code')

  // Refused: an organization without a profile is sent to 完善信息.
  const other = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
  })
  current = await other.newPage()
  await signIn(current, bareOrg.login, bareOrg.password)
  await current.waitForURL(/\/me$/)
  await current.goto(`${baseUrl}/demands/${demandId}`)
  await current.getByRole('button', { name: '我要认领' }).click()
  await current.getByRole('button', { name: '提交认领申请' }).click()
  const dialog = current.locator('.van-dialog')
  await dialog.getByText('首次进入供需服务平台').waitFor()
  report.refusedWith = (await dialog.innerText()).trim()
  await settle()
  await shot('claim-profile-incomplete')
  await dialog.getByRole('button', { name: '完善信息' }).click()
  await current.waitForURL(/\/org\/profile$/)
  await current.getByPlaceholder('请输入负责人姓名').waitFor()
  await shot('org-profile-empty')
  await signOut(current)

  // 志愿者: 报名, then 签到 with the code on the organization's screen.
  await signIn(current, individual.login, individual.password, { individual: true })
  await current.waitForURL(/\/me$/)
  await current.getByText('我的服务记录').waitFor()
  await shot('individual-me')
  // The activity is found on its demand's page (需求信息 → 志愿服务活动), as a volunteer would.
  await current.goto(`${baseUrl}/demands/${demandId}`)
  await current.locator('.demand-activities .van-cell').first().click()
  await current.waitForURL(new RegExp(`/activities/${activityId}$`))
  await current.getByText('签到方式').waitFor()
  await shot('activity')
  // 活动图片: the photo 发布活动 uploaded, from its presigned URL.
  await current.waitForFunction(() => document.querySelector('.activity-photos img')?.naturalWidth === 48)
  report.activityPhotoShown = true
  await current.evaluate(() => window.scrollTo(0, document.body.scrollHeight))
  await shot('activity-photos')
  await current.evaluate(() => window.scrollTo(0, 0))
  await current.getByRole('button', { name: '我要报名' }).click()
  await current.getByRole('button', { name: '取消报名' }).waitFor()
  await current.locator('.van-action-bar-button', { hasText: /^签到$/ }).click()
  const code = (await page.getByTestId('check-in-code').innerText()).trim()
  // Refused: a wrong code, the server's message next to the field (or as a toast).
  await current.getByPlaceholder('请输入现场展示的6位签到码').fill(code === '000000' ? '111111' : '000000')
  await current.getByRole('button', { name: '确认签到' }).click()
  const wrongCode = current.locator('.van-popup .van-field__error-message, .van-toast__text').first()
  await wrongCode.waitFor()
  report.wrongCode = (await wrongCode.innerText()).trim()
  await shot('check-in-refused')
  await current.getByPlaceholder('请输入现场展示的6位签到码').fill(code)
  await settle()
  await shot('check-in-form')
  await current.getByRole('button', { name: '确认签到' }).click()
  await current.getByText('签到成功').waitFor()
  await current.locator('.van-popup--bottom').waitFor({ state: 'hidden' })
  await shot('activity-checked-in')
  // Opened again, the page knows the sign-up (from 我的报名): 签退 is offered.
  await current.reload()
  await current.locator('.van-action-bar-button', { hasText: '签退' }).waitFor()
  await current.goto(`${baseUrl}/me`)
  await current.getByText('我的服务记录').click()
  await current.waitForURL(/\/me\/service-records$/)
  await current.locator('.van-cell', { hasText: '签到：' }).first().waitFor()
  await shot('service-records')

  // The roster shows the volunteer, phone masked, checked in.
  current = page
  await page.goto(`${baseUrl}/activities/${activityId}/roster`)
  const row = page.locator('.van-cell', { hasText: '****' }).first()
  await row.waitFor()
  report.rosterStatus = (await row.innerText()).includes('已签到') ? '已签到' : (await row.innerText())
  await shot('roster')

  console.log(JSON.stringify(report))
} catch (error) {
  await shot('failure').catch(() => {})
  throw error
} finally {
  await browser.close()
}
