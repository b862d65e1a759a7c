// The 个人用户 end to end: 注册 with an SMS code (a wrong code refused first), 求助 (青年云支教) to the demo
// 团组织 (a score over 150 refused first), 发布成功, 我的求助 with 待采用 and its detail, 收藏 a demand and 我的收藏,
// 忘记密码 for the demo individual and a sign-in with the new password.
// Config (tests/test_web_e2e_individual.py): {baseUrl, outDir, smsLog, newIndividual: {phone, name, password},
// contactPhone, orgQuery, orgName, demoIndividual: {phone, newPassword}}.
import { config, expect, lastSmsCode, mobilePage, shot as shotOf, signIn } from './browser.mjs'

const { baseUrl, newIndividual, contactPhone, orgQuery, orgName, demoIndividual } = config
const { browser, page } = await mobilePage()
const shot = (name) => shotOf(page, name)
const report = {}

const field = (label) => page.locator('.van-field', { has: page.locator('.van-field__label', { hasText: label }) })
const errorUnder = (label) => field(label).locator('.van-field__error-message')
/** The code the log holds after `send` was pressed (waits for a new one). */
async function codeAfterSending(phone) {
  await page.getByRole('button', { name: '发送验证码' }).click()
  await page.getByText(/^\d+秒$/).waitFor()
  return lastSmsCode(phone)
}
const wrong = (code) => String((Number(code) + 1) % 1_000_000).padStart(6, '0')

try {
  // 登录 links to 注册 and 忘记密码.
  await page.goto(`${baseUrl}/login`)
  await page.getByText('注册一号通账号').waitFor()
  await shot('login-links')
  await page.getByText('注册一号通账号').click()
  await page.waitForURL(/\/register$/)

  // 注册: a wrong SMS code is refused under 验证码, the right one signs in and lands on 我的.
  await page.getByPlaceholder('请输入手机号').fill(newIndividual.phone)
  const code = await codeAfterSending(newIndividual.phone)
  await page.getByPlaceholder('请输入验证码').fill(wrong(code))
  await page.getByPlaceholder('请输入姓名或昵称').fill(newIndividual.name)
  await page.getByPlaceholder('8-64位，含字母和数字').fill(newIndividual.password)
  await page.getByPlaceholder('请再次输入密码').fill(newIndividual.password)
  await page.getByRole('button', { name: '注册' }).click()
  await errorUnder('验证码').waitFor()
  report.wrongCodeMessage = await errorUnder('验证码').innerText()
  await shot('register-refused')
  await page.getByPlaceholder('请输入验证码').fill(code)
  await page.getByRole('button', { name: '注册' }).click()
  await page.waitForURL(/\/me$/)
  await page.getByText('我的求助').waitFor()
  await page.getByText(newIndividual.name).waitFor()
  await shot('me-individual')

  // 求助: the 青年云支教 form.
  await page.locator('.van-cell', { hasText: '求助' }).first().click()
  await page.waitForURL(/\/help$/)
  await page.getByText('所需辅导课程（最多选3项）').waitFor()
  await shot('help-form')
  await page.getByRole('tab', { name: '普通需求' }).click()
  await page.getByPlaceholder('请输入（200字以内）').waitFor()
  await shot('help-general')
  await page.getByRole('tab', { name: '青年云支教' }).click()
  await field('需求标题').locator('input').fill('【乡村云支教】我需要补习英语')
  await field('学生姓名').locator('input').fill('赵小二')
  await page.getByRole('radio', { name: '男' }).click()
  await field('当前所在年级').click()
  await page.locator('.van-picker-column__item', { hasText: '小学一年级' }).waitFor()
  await page.getByRole('button', { name: '确认' }).click()
  await field('所在学校').locator('input').fill('李村小学')
  await field('所在市').click()
  await page.locator('.van-picker-column__item', { hasText: '广州市' }).waitFor()
  await page.getByRole('button', { name: '确认' }).click()
  await field('详细联系地址').locator('textarea').fill('深圳市李村小学')
  await page.getByRole('checkbox', { name: '英语' }).check()
  await page.getByRole('checkbox', { name: '数学' }).check()
  for (const course of ['绘画', '棋类', '朗诵']) await page.getByRole('checkbox', { name: course }).check()
  await field('英语').locator('input').fill('44')
  await field('数学').locator('input').fill('160')
  await field('所在组织').click()
  await page.getByPlaceholder('搜索团组织名称').fill(orgQuery)
  await page.getByPlaceholder('搜索团组织名称').press('Enter')
  await page.locator('.org-option', { hasText: orgName }).first().waitFor()
  await shot('help-org-search')
  await page.locator('.org-option', { hasText: orgName }).first().click()
  await field('联系人姓名').locator('input').fill('赵雷')
  await field('联系人手机号码').locator('input').fill(contactPhone)
  const contactCode = await codeAfterSending(contactPhone)
  await page.getByPlaceholder('请输入验证码').fill(contactCode)

  // A score above 150 is refused under its subject.
  await page.getByRole('button', { name: '提交' }).click()
  await errorUnder('数学').waitFor()
  report.scoreMessage = await errorUnder('数学').innerText()
  await shot('help-refused')
  await field('数学').locator('input').fill('76.5')
  await page.getByRole('button', { name: '提交' }).click()
  await page.waitForURL(/\/help\/done$/)
  await page.getByRole('button', { name: '再发布一个' }).waitFor()
  await shot('help-done')
  await page.getByRole('button', { name: '返回首页' }).click()
  await page.waitForURL(`${baseUrl}/`)
  // 首页's 志愿服务青年云支教专区 banner is the guide's way into 求助.
  await page.getByText('志愿服务青年云支教专区').click()
  await page.waitForURL(/\/help$/)
  await page.getByText('所需辅导课程（最多选3项）').waitFor()

  // 我的求助: the request 待采用, its detail with the progress bar.
  await page.goto(`${baseUrl}/me`)
  await page.getByText('我的求助').click()
  await page.waitForURL(/\/me\/help-requests$/)
  await page.locator('.help-row', { hasText: '我需要补习英语' }).waitFor()
  report.myHelpStatus = await page.locator('.help-row .van-tag').first().innerText()
  await shot('my-help-requests')
  await page.locator('.van-dropdown-menu__item').click()
  await page.locator('.van-dropdown-item__option', { hasText: '已采用' }).click()
  await page.getByText('暂无求助').waitFor()
  report.adoptedFilterEmpty = true
  await page.locator('.van-dropdown-menu__item').click()
  await page.locator('.van-dropdown-item__option', { hasText: '全部状态' }).click()
  await page.locator('.help-row', { hasText: '我需要补习英语' }).click()
  await page.waitForURL(/\/me\/help-requests\/.+/)
  await page.getByText('需求描述').waitFor()
  report.progress = await page.locator('.van-step > .van-step__title > div:first-child').allInnerTexts()
  report.description = await page.locator('.van-cell', { hasText: '需求描述' }).locator('.van-cell__label').innerText()
  await shot('help-request-detail')

  // 收藏 a demand, see it in 我的收藏.
  await page.goto(`${baseUrl}/`)
  await page.locator('.demand-card').first().click()
  await page.waitForURL(/\/demands\//)
  const demandTitle = await page.locator('.head h1').innerText()
  await page.locator('.van-action-bar-icon', { hasText: '收藏' }).click()
  await page.getByText('已收藏').waitFor()
  await page.goto(`${baseUrl}/me/favorites`)
  await page.locator('.favorite-row', { hasText: demandTitle }).waitFor()
  report.favorite = demandTitle
  await shot('favorites')
  await page.locator('.favorite-row', { hasText: demandTitle }).getByRole('button', { name: '取消收藏' }).click()
  await page.getByText('暂无收藏').waitFor()
  report.unfavorited = true

  // 忘记密码: the demo individual sets a new password with a code, then signs in with it.
  await page.evaluate(() => localStorage.clear())
  await page.goto(`${baseUrl}/login`)
  await page.getByText('忘记密码').click()
  await page.waitForURL(/\/password\/reset$/)
  await page.getByPlaceholder('请输入注册时的手机号').fill(demoIndividual.phone)
  const resetCode = await codeAfterSending(demoIndividual.phone)
  await page.getByPlaceholder('请输入验证码').fill(resetCode)
  await page.getByPlaceholder('8-64位，含字母和数字').fill(demoIndividual.newPassword)
  await page.getByPlaceholder('请再次输入新密码').fill(demoIndividual.newPassword)
  await shot('password-reset')
  await page.getByRole('button', { name: '重置密码' }).click()
  await page.waitForURL(/\/login$/)
  await signIn(page, demoIndividual.phone, demoIndividual.newPassword, { individual: true })
  await page.waitForURL(/\/me$/)
  await page.getByText('我的收藏').waitFor()
  report.resetSignedIn = true

  console.log(JSON.stringify(report))
} catch (error) {
  await shot('failure').catch(() => {})
  throw error
} finally {
  await browser.close()
}
