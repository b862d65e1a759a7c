// The 团组织's main flow (tests/test_web_e2e_league.py seeds it): 我的 counters, 初始需求 → 采用, 发布 in three
// steps linking the adopted request (a wrong leader SMS code refused first), 我的发布, 待确认 → 同意, 评分,
// 我的积分, 组织信息管理. Config: {baseUrl, outDir, smsLog, league: {login, password}, leaderMobile, helpTitle,
// claimedTitle}. Prints {countersBefore, wrongCodeMessage, published, myDemands, countersAfter}.
import { config, expect, lastSmsCode, mobilePage, shot as shotOf, signIn } from './browser.mjs'

const { baseUrl, league, leaderMobile, helpTitle, claimedTitle } = config
const { browser, page } = await mobilePage()
// A screenshot once the last toast has gone (a toast outlives the screen that showed it).
async function shot(name, { keepToast = false } = {}) {
  if (!keepToast)
    await page.waitForFunction(() =>
      [...document.querySelectorAll('.van-toast')].every((t) => getComputedStyle(t).display === 'none'))
  await shotOf(page, name)
}

async function counters() {
  await page.goto(`${baseUrl}/me`)
  await page.getByText('组织信息管理').waitFor()
  await page.waitForLoadState('networkidle')
  const found = {}
  for (const name of ['待确认', '待认领', '待评分']) {
    const item = page.locator('.van-grid-item', { hasText: name })
    found[name] = (await item.locator('strong').innerText()).trim()
  }
  return found
}

try {
  await signIn(page, league.login, league.password)
  await page.waitForURL(/\/me$/)
  const countersBefore = await counters()
  await shot('me')

  // 初始需求: the individual's request, 采用.
  await page.getByText('初始需求').click()
  await page.getByText(helpTitle).waitFor()
  await shot('help-inbox')
  await page.getByText(helpTitle).click()
  await page.getByText('联系人姓名').waitFor()
  await shot('help-request')
  await page.getByRole('button', { name: '采用', exact: true }).click()
  await page.locator('.van-dialog').getByRole('button', { name: '确认' }).click()
  await page.getByText('已采用', { exact: true }).first().waitFor()
  await page.getByRole('button', { name: '不采用' }).waitFor({ state: 'detached' })
  await shot('help-adopted')

  // 发布, step 1: 填写需求内容, the adopted request linked.
  await page.goto(`${baseUrl}/me`)
  await page.getByText('发布需求').click()
  await page.getByText('填写需求内容').waitFor()
  await page.getByPlaceholder('请输入需求标题').fill('需要招募8位数学老师为乡村孩子在线辅导课程')
  await page.getByText('关联的求助需求').click()
  const row = page.locator('.van-popup .van-cell', { hasText: helpTitle })
  await row.waitFor()
  await row.locator('.van-checkbox').click()
  await shot('publish-link-picker')
  await page.locator('.van-popup').getByText('完成').click()
  await page.locator('.van-tag', { hasText: '关爱未成年人' }).click()
  await page.getByPlaceholder('请输入人数').fill('8')
  await page.getByPlaceholder('请输入需求内容').fill('他们上学期数学成绩中等偏下，解方程是弱项。')
  await page.locator('input[type=date]').nth(0).fill('2099-06-05')
  await page.locator('input[type=date]').nth(1).fill('2099-06-08')
  await page.locator('.van-checkbox', { hasText: '餐饮保障' }).click()
  await page.getByRole('button', { name: '保存草稿' }).click()
  await page.getByText('草稿已保存').waitFor()
  await shot('publish-content', { keepToast: true })
  await page.getByRole('button', { name: '下一步' }).click()

  // Step 2: 确认组织信息, the leader mobile proven by SMS; a wrong code first.
  await page.getByPlaceholder('请输入负责人手机号码').waitFor()
  await page.getByPlaceholder('请输入负责人姓名').fill('李雷')
  await page.getByPlaceholder('请输入固定电话').fill('0755-88889999')
  const district = page.getByPlaceholder('如：罗湖区')
  if (!(await district.inputValue())) await district.fill('罗湖区')
  await page.getByPlaceholder('请输入负责人手机号码').fill(leaderMobile)
  await page.getByRole('button', { name: '发送验证码' }).click()
  await page.getByText(/\d+秒/).waitFor()
  await shot('publish-org')
  const code = lastSmsCode(leaderMobile)
  const wrong = `${(Number(code[0]) + 1) % 10}${code.slice(1)}`
  await page.getByPlaceholder('请输入验证码').fill(wrong)
  await page.getByRole('button', { name: '发布', exact: true }).click()
  const codeError = page.locator('.van-field', { has: page.getByPlaceholder('请输入验证码') }).locator('.van-field__error-message')
  await codeError.waitFor()
  const wrongCodeMessage = (await codeError.innerText()).trim()
  await shot('publish-code-refused')
  await page.getByPlaceholder('请输入验证码').fill(code)
  await page.getByRole('button', { name: '发布', exact: true }).click()
  await page.getByText('发布成功').waitFor()
  await shot('publish-done')

  // 我的发布: the new demand and the seeded one.
  await page.getByRole('button', { name: '我的发布' }).click()
  await page.getByText('需要招募8位数学老师为乡村孩子在线辅导课程').waitFor()
  await page.getByText(claimedTitle).waitFor()
  const myDemands = await page.locator('.my-demand').count()
  await shot('my-demands')

  // 待确认: the volunteer organization's claim, 同意.
  await page.goto(`${baseUrl}/league/claims`)
  const claim = page.locator('.claim', { hasText: claimedTitle })
  await claim.waitFor()
  await shot('claim-inbox')
  await claim.getByRole('button', { name: '同意' }).click()
  await page.locator('.van-dialog').getByRole('button', { name: '确认' }).click()
  await page.getByText('已同意认领').waitFor()
  await page.getByText('暂无认领申请').waitFor()
  await shot('claim-confirmed', { keepToast: true })

  // 评分: the confirmed claim is owed a rating.
  await page.goto(`${baseUrl}/me`)
  await page.locator('.van-grid-item', { hasText: '待评分' }).click()
  await page.getByText(claimedTitle).waitFor()
  await shot('ratings-owed')
  await page.getByText(claimedTitle).click()
  await page.getByRole('button', { name: '提交评分' }).waitFor()
  await page.locator('.van-rate__item').nth(3).click()
  await page.getByPlaceholder('选填').fill('辅导认真负责，孩子们进步明显。')
  await shot('rate')
  await page.getByRole('button', { name: '提交评分' }).click()
  await page.getByText('我的评分').waitFor()
  await shot('rated', { keepToast: true })

  await page.goto(`${baseUrl}/league/points`)
  await page.getByText('当前积分').waitFor()
  await page.waitForLoadState('networkidle')
  await shot('points')

  await page.goto(`${baseUrl}/league/profile`)
  await page.getByText('团组织名称').waitFor()
  await page.getByPlaceholder('选填').first().waitFor()
  await page.locator('.van-field', { hasText: '组织介绍' }).locator('textarea').fill('服务深圳青少年的团组织。')
  await page.getByRole('button', { name: '保存' }).click()
  await page.getByText('已保存').waitFor()
  await shot('profile', { keepToast: true })

  const countersAfter = await counters()
  console.log(JSON.stringify({ countersBefore, wrongCodeMessage, published: true, myDemands, countersAfter }))
} catch (error) {
  await shotOf(page, 'failure').catch(() => {})
  throw error
} finally {
  await browser.close()
}
