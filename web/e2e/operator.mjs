// The operators' screens (运营人员): Chromium at 390×844 (and the vetting screen at 1280×800) against a local
// stack. Config (tests/test_web_e2e_operator.py): {baseUrl, outDir, smsLog, operator: {login, password},
// orgs: [{account_name, org_name}] waiting for review, demandTitle: a reported demand}; screenshots go to outDir,
// what the screens showed to stdout.
import { config, expect, mobilePage, shot as shotOf, signIn } from './browser.mjs'

const { baseUrl, operator, orgs, demandTitle } = config
const { browser, page } = await mobilePage()
const shot = (name) => shotOf(page, name)
const report = {}
const toast = (text) => page.locator('.van-toast', { hasText: text }).waitFor()
const settle = () => page.waitForLoadState('networkidle')

async function open(entry, title) {
  await page.goto(`${baseUrl}/me`)
  await page.getByText(entry, { exact: true }).click()
  await page.locator('.van-nav-bar__title', { hasText: title }).waitFor()
}

try {
  await signIn(page, operator.login, operator.password)
  await page.waitForURL(/\/me$/)
  await page.getByText('运营管理').waitFor()
  await settle()
  await shot('me-operator')

  // 组织审核: both registrations wait; the desk-width view of the same list.
  await open('组织审核', '组织审核')
  const [approved, rejected] = orgs.map((org) => page.locator('.org-card', { hasText: org.org_name }))
  await approved.waitFor()
  await rejected.waitFor()
  await settle()
  await shot('orgs')
  await page.setViewportSize({ width: 1280, height: 800 })
  await page.waitForTimeout(300)
  await shot('orgs-desktop')
  await page.setViewportSize({ width: 390, height: 844 })

  // Refused: 驳回 without a reason shows the server's message under 驳回原因.
  await rejected.getByRole('button', { name: '驳回' }).click()
  const popup = page.locator('.reason-popup')
  await popup.getByRole('button', { name: '确认驳回' }).click()
  const message = popup.locator('.van-field__error-message')
  await message.waitFor()
  report.rejectRefused = await message.innerText()
  await shot('org-reject-refused')
  await popup.getByPlaceholder('请输入驳回原因').fill('统一社会信用代码与组织名称不符')
  await popup.getByRole('button', { name: '确认驳回' }).click()
  await toast('已驳回')
  await rejected.waitFor({ state: 'detached' })

  await approved.getByRole('button', { name: '通过' }).click()
  await toast('已通过审核')
  await approved.waitFor({ state: 'detached' })
  await page.getByRole('tab', { name: '已通过' }).click()
  await approved.waitFor()
  await settle()
  await shot('orgs-approved')

  // 账号管理: the demo individual, disabled, found under 已停用, enabled again, then its password reset.
  await open('账号管理', '账号管理')
  const individual = page.locator('.account-card', { hasText: '演示用户' })
  await individual.waitFor()
  await shot('accounts')
  await individual.getByRole('button', { name: '停用' }).click()
  await page.locator('.reason-popup').getByPlaceholder('请输入停用原因').fill('发布虚假信息')
  await page.locator('.reason-popup').getByRole('button', { name: '确认停用' }).click()
  await toast('已停用')
  await individual.waitFor({ state: 'detached' })
  await page.locator('.van-dropdown-menu__item').click()
  await page.locator('.van-dropdown-item__option', { hasText: '已停用' }).click()
  await individual.waitFor()
  await individual.getByText('原因：发布虚假信息').waitFor()
  await page.evaluate(() => window.scrollTo(0, 0))
  await page.waitForTimeout(400)
  await shot('accounts-disabled')
  await individual.getByRole('button', { name: '启用' }).click()
  await toast('已启用')
  await individual.waitFor({ state: 'detached' })
  await page.locator('.van-dropdown-menu__item').click()
  await page.locator('.van-dropdown-item__option', { hasText: '正常' }).click()
  await individual.getByRole('button', { name: '重置密码' }).click()
  await page.locator('.reason-popup').getByPlaceholder('请输入重置原因').fill('用户来电申请重置')
  await page.locator('.reason-popup').getByRole('button', { name: '确认重置' }).click()
  const dialog = page.locator('.van-dialog', { hasText: '密码已重置' })
  await dialog.waitFor()
  await page.locator('.reason-popup').waitFor({ state: 'hidden' })
  await page.locator('.van-toast').first().waitFor({ state: 'hidden' })
  report.resetSentTo = (await dialog.innerText()).match(/\d{3}\*{4}\d{4}/)?.[0] ?? null
  await shot('accounts-reset')
  await dialog.getByRole('button', { name: '知道了' }).click()

  // 团组织导入: a file with one good and one bad row is refused whole, each row with its result.
  await open('团组织导入', '团组织导入')
  const header = '组织名称,账号,所在省,所在市,所在区县,上级组织,负责人手机号'
  const good = '共青团深圳市南山区委员会,e2e_gd_sz_ns,广东省,深圳市,南山区,共青团深圳市委员会,13900000051'
  const bad = '共青团某某区委员会,e2e bad,广东省,火星市,,,123'
  const upload = (name, lines) =>
    page.locator('input.file-input').setInputFiles({
      name, mimeType: 'text/csv', buffer: Buffer.from(`${lines.join('\n')}\n`, 'utf8'),
    })
  await upload('团组织-有误.csv', [header, good, bad])
  await page.getByText('导入文件有误，未导入任何数据。').waitFor()
  report.importRows = await page.locator('.result-table tbody tr').allInnerTexts()
  await page.waitForTimeout(300)
  await shot('import-refused')
  await upload('团组织.csv', [header, good])
  const done = page.locator('.van-notice-bar', { hasText: '导入成功' })
  await done.waitFor()
  report.importDone = (await done.innerText()).trim()
  await page.waitForTimeout(300)
  await shot('import-done')
  await page.getByRole('tab', { name: '单个新建' }).click()
  await page.getByRole('button', { name: '创建团组织账号' }).click()
  await page.locator('.van-field__error-message').first().waitFor()
  await shot('league-single-refused')

  // 举报处理: the reported demand, its reports, dismissed with a note.
  await open('举报处理', '举报处理')
  const item = page.locator('.van-cell', { hasText: demandTitle })
  await item.waitFor()
  await settle()
  await shot('reports')
  await item.click()
  await page.locator('.report-popup .van-cell', { hasText: '联系电话无法接通' }).waitFor()
  await page.waitForTimeout(300)
  await shot('report-detail')
  await page.getByRole('button', { name: '举报不实，保留（恢复显示）' }).click()
  await page.locator('.reason-popup').getByPlaceholder('请输入处理说明').fill('经核实，联系电话可以接通')
  await page.locator('.reason-popup').getByRole('button', { name: '确认' }).click()
  await toast('已处理')
  await item.waitFor({ state: 'detached' })

  // 数据统计: the days the daily job stored in the last 30 days (a chart), or the empty state.
  await open('数据统计', '数据统计')
  const chart = page.locator('.stats-chart canvas')
  const empty = page.getByText('所选时间内暂无统计数据')
  await chart.or(empty).waitFor()
  report.stats = (await chart.count()) > 0 ? 'chart' : 'empty'
  report.latestDemands = report.stats === 'chart' ? await page.locator('.latest strong').first().innerText() : null
  await page.waitForTimeout(1500) // the chart's entry animation
  await shot('stats')

  await open('操作日志', '操作日志')
  await page.locator('.van-cell', { hasText: '通过组织审核' }).first().waitFor()
  await settle()
  await shot('audit-log')

  await open('异常事件', '异常事件')
  await page.getByText('暂无异常事件').or(page.locator('.van-cell').first()).waitFor()
  await settle()
  await shot('parked-events')

  expect(report.importRows.length === 2, `import rows: ${report.importRows}`)
  console.log(JSON.stringify(report))
} catch (error) {
  await shot('failure').catch(() => {})
  throw error
} finally {
  await browser.close()
}
