// 志愿服务记录证明 in Chromium at 390×844 against a local stack: the volunteer's 申请证明 (a wrong 证件号码 refused
// under its field, the consent box required), 我的证明, the organization's 出具 with a seal, the public 证明验证
// page (有效, masked name only), 撤销 (an empty reason refused), 已撤销 on the page; then a second request refused
// by the organization (不予出具) and deleted by the volunteer.
// Config (tests/test_web_e2e_certificates.py): {baseUrl, outDir, volunteer, org (each {login, password}), orgName,
// realName, badIdNumber, idNumber, unknownNumber}.
// Prints {consentRequired, idRefused, requestedLabel, maskedNumber, number, hours, issuedLabel, filteredOut,
// unknownNumber, verifyValid, verifyText, revokeRefused, verifyRevoked, revokedOn, refusedLabel, refuseReason, deleted, signedOutCalls}.
import { config, expect, mobilePage, shot, signIn } from './browser.mjs'
import { readFileSync } from 'node:fs'

const { baseUrl, volunteer, org, orgName, realName, badIdNumber, idNumber } = config
const { browser, page: V } = await mobilePage()
const report = {}

// A 48×48 PNG (red and white squares): the organization's seal.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAADAAAAAwCAIAAADYYG7QAAAATklEQVR42u3XsQ0AIAgEQGrHcP+h2ERHEBKjzRHq5zogcsxjr0LdygkgICAgIKAm6OWwSg4QEBAQEFAXZNsDAQEBAfnLnB9AQEBAQF9BG3XIKY+8/dQGAAAAAElFTkSuQmCC', 'base64')

async function newPage() {
  const context = await browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'zh-CN',
    acceptDownloads: true,
  })
  return context.newPage()
}
/** Vant's popups and dialogs slide in and fade out: shots wait for the animation to end. */
const settle = (p) => p.waitForTimeout(400)
const toastText = async (p, text) => {
  const toast = p.locator('.van-toast__text', { hasText: text })
  await toast.waitFor()
  const said = (await toast.innerText()).trim()
  await toast.waitFor({ state: 'hidden' })
  return said
}

try {
  // 我的 → 我的证明 (empty) → 申请证明.
  await signIn(V, volunteer.login, volunteer.password, { individual: true })
  await V.waitForURL(/\/me$/)
  await V.getByText('我的证明').waitFor()
  await shot(V, '00-individual-me')
  await V.getByText('我的证明').click()
  await V.waitForURL(/\/me\/certificates$/)
  await V.getByText('暂无证明申请').waitFor()
  await shot(V, '01-my-certificates-empty')
  await V.getByText('申请证明').click()
  await V.waitForURL(/\/me\/certificates\/new$/)
  await V.locator('.consent-text').waitFor()
  await shot(V, '02-request-form')

  // The organization: from the ones whose activities the volunteer signed up for.
  await V.getByPlaceholder('请选择出具证明的组织').click()
  await V.getByText('我参加过活动的组织').waitFor()
  await settle(V)
  await shot(V, '03-request-org-picker')
  await V.locator('.org-popup .van-cell-group .van-cell', { hasText: orgName }).first().click()
  await V.locator('.org-popup').waitFor({ state: 'hidden' })
  await V.getByPlaceholder('与证件上的姓名一致').fill(realName)
  await V.getByPlaceholder('请输入证件号码').fill(badIdNumber)

  // Refused: the consent box unticked (the form), then a 证件号码 whose check character is wrong (the server).
  await V.getByRole('button', { name: '提交申请' }).click()
  const consentError = V.locator('.consent .van-field__error-message')
  await consentError.waitFor()
  report.consentRequired = (await consentError.innerText()).trim()
  await V.getByText('我已阅读并同意以上说明').click()
  await V.getByRole('button', { name: '提交申请' }).click()
  const idError = V.locator('.van-field', { has: V.getByPlaceholder('请输入证件号码') }).locator('.van-field__error-message')
  await idError.waitFor()
  report.idRefused = (await idError.innerText()).trim()
  await idError.scrollIntoViewIfNeeded()
  await shot(V, '04-request-id-refused')

  await V.getByPlaceholder('请输入证件号码').fill(idNumber)
  await V.getByRole('button', { name: '提交申请' }).click()
  await V.waitForURL(/\/me\/certificates$/)
  const row = V.locator('.certificate-row').first()
  await row.waitFor()
  report.requestedLabel = (await row.locator('.van-tag').innerText()).trim()
  report.maskedNumber = (await row.locator('.masked').innerText()).trim()
  await shot(V, '05-my-certificates-requested')

  // The organization: 我的 → 证明申请 → 出具 with a seal.
  const O = await newPage()
  await signIn(O, org.login, org.password)
  await O.waitForURL(/\/me$/)
  await O.locator('.todo strong', { hasText: /^\d+$/ }).first().waitFor()
  await shot(O, '00-org-me')
  await O.getByText('证明申请').click()
  await O.waitForURL(/\/org\/certificates/)
  const request = O.locator('.certificate-row', { hasText: realName }).first()
  await request.waitFor()
  await shot(O, '06-inbox-requested')
  await request.getByRole('button', { name: '出具', exact: true }).click()
  const issue = O.locator('.issue-popup')
  await issue.getByPlaceholder('请输入组织负责人姓名').fill('林晓')
  await issue.getByPlaceholder('请输入经办人姓名').fill('陈静')
  await issue.getByPlaceholder('印在证明上的联系电话').fill('0755-88889999')
  await issue.locator('input[type=file]').setInputFiles({ name: 'seal.png', mimeType: 'image/png', buffer: PNG })
  await issue.locator('.van-uploader__preview').waitFor()
  await issue.locator('.van-uploader__mask').waitFor({ state: 'detached' })
  await settle(O)
  await shot(O, '07-issue-form')
  await issue.getByRole('button', { name: '出具', exact: true }).click()
  const issuedToast = await toastText(O, '已出具')
  report.number = issuedToast.replace(/^.*证明编号\s*/, '').trim()
  expect(/^ZS\d{4}-/.test(report.number), `no number in "${issuedToast}"`)
  await O.goto(`${baseUrl}/org/certificates?status=issued`)
  const issuedRow = O.locator('.certificate-row', { hasText: report.number })
  await issuedRow.waitFor()
  await shot(O, '08-inbox-issued')

  // The volunteer's 我的证明: 已出具, the hours and the number with 验证; the filter.
  await V.reload()
  const issuedMine = V.locator('.certificate-row', { hasText: report.number })
  await issuedMine.waitFor()
  report.issuedLabel = (await issuedMine.locator('.van-tag').innerText()).trim()
  report.hours = (await issuedMine.locator('dd', { hasText: '小时' }).innerText()).trim()
  await shot(V, '09-my-certificates-issued')
  // 下载证明: the PDF (the only place with the full 证件号码), saved by the browser.
  const [saved] = await Promise.all([
    V.waitForEvent('download', { timeout: 20_000 }).catch(async (error) => {
      await shot(V, '09b-download-failed')
      const toast = await V.locator('.van-toast__text').allInnerTexts()
      throw new Error(`no download (${toast.join(' / ')}): ${error.message}`)
    }),
    issuedMine.getByRole('button', { name: '下载证明' }).click(),
  ])
  report.pdfName = saved.suggestedFilename()
  const pdfPath = `${config.outDir}/certificate.pdf`
  await saved.saveAs(pdfPath)
  report.pdfHead = readFileSync(pdfPath).subarray(0, 5).toString('latin1')
  await V.locator('.van-dropdown-menu__item').click()
  await V.locator('.van-dropdown-item__option', { hasText: '待出具' }).click()
  await V.getByText('暂无证明申请').waitFor()
  report.filteredOut = await V.locator('.certificate-row').count()
  await V.locator('.van-dropdown-menu__item').click()
  await V.locator('.van-dropdown-item__option', { hasText: '已出具' }).click()
  await V.locator('.certificate-row', { hasText: report.number }).waitFor()

  // Anyone, signed out: 证明验证 by number → 有效, the masked name only.
  const P = await newPage()
  const publicCalls = []
  P.on('request', (r) => {
    const { pathname } = new URL(r.url())
    if (pathname.startsWith('/api/')) publicCalls.push(`${r.method()} ${pathname}`)
  })
  await P.goto(`${baseUrl}/verify/${config.unknownNumber}`)
  const unknown = P.locator('.van-field__error-message')
  await unknown.waitFor()
  report.unknownNumber = (await unknown.innerText()).trim()
  await P.goto(`${baseUrl}/verify`)
  await P.getByPlaceholder(/请输入证明上的编号/).waitFor()
  await shot(P, '10-verify-form')
  await P.getByPlaceholder(/请输入证明上的编号/).fill(report.number.toLowerCase())
  await P.getByRole('button', { name: '查询' }).click()
  await P.waitForURL(new RegExp(`/verify/${report.number}$`))
  const verdict = P.locator('.verdict strong')
  await verdict.waitFor()
  report.verifyValid = (await verdict.innerText()).trim()
  report.verifyText = await P.locator('.verify-card').innerText()
  await shot(P, '11-verify-valid')

  // 撤销: an empty reason refused under its field, then revoked.
  await issuedRow.getByRole('button', { name: '撤销', exact: true }).click()
  const popup = O.locator('.reason-popup')
  await popup.getByRole('button', { name: '撤销', exact: true }).click()
  const reasonError = popup.locator('.van-field__error-message')
  await reasonError.waitFor()
  report.revokeRefused = (await reasonError.innerText()).trim()
  await shot(O, '12-revoke-refused')
  await popup.getByPlaceholder('请输入撤销原因').fill('服务记录有误，需重新核对')
  await popup.getByRole('button', { name: '撤销', exact: true }).click()
  await toastText(O, '证明已撤销')
  await O.goto(`${baseUrl}/org/certificates?status=revoked`)
  await O.locator('.certificate-row', { hasText: report.number }).waitFor()
  await shot(O, '13-inbox-revoked')

  await P.reload()
  await P.locator('.verify-card.revoked').waitFor()
  report.verifyRevoked = (await P.locator('.verdict strong').innerText()).trim()
  report.revokedOn = (await P.locator('.verdict span').innerText()).trim()
  await shot(P, '14-verify-revoked')
  report.signedOutCalls = [...new Set(publicCalls)]

  // A second request, 不予出具 by the organization, deleted by the volunteer (with a confirmation).
  await V.goto(`${baseUrl}/me/certificates/new`)
  await V.locator('.consent-text').waitFor()
  await V.getByPlaceholder('请选择出具证明的组织').click()
  await V.locator('.org-popup .van-cell-group .van-cell', { hasText: orgName }).first().click()
  await V.locator('.org-popup').waitFor({ state: 'hidden' })
  await V.getByPlaceholder('与证件上的姓名一致').fill(realName)
  await V.getByPlaceholder('请输入证件号码').fill(idNumber)
  await V.getByText('我已阅读并同意以上说明').click()
  await V.getByRole('button', { name: '提交申请' }).click()
  await V.waitForURL(/\/me\/certificates$/)

  await O.goto(`${baseUrl}/org/certificates`)
  const second = O.locator('.certificate-row', { hasText: realName }).first()
  await second.getByRole('button', { name: '不予出具' }).click()
  await popup.getByPlaceholder('请输入不予出具原因').fill('期间内的服务已另行出具证明')
  await settle(O)
  await shot(O, '15-refuse-form')
  await popup.getByRole('button', { name: '不予出具' }).click()
  await toastText(O, '已不予出具')

  await V.reload()
  const refused = V.locator('.certificate-row', { hasText: '不予出具' }).first()
  await refused.waitFor()
  report.refusedLabel = (await refused.locator('.van-tag').innerText()).trim()
  report.refuseReason = (await refused.locator('dd', { hasText: '另行出具' }).innerText()).trim()
  await shot(V, '16-my-certificates-refused')
  await refused.getByRole('button', { name: '删除' }).click()
  await V.locator('.van-dialog').waitFor()
  await settle(V)
  await shot(V, '17-delete-confirm')
  await V.locator('.van-dialog').getByRole('button', { name: '确认' }).click()
  await toastText(V, '已删除')
  await V.locator('.certificate-row').first().waitFor()
  report.deleted = (await V.locator('.certificate-row', { hasText: '不予出具' }).count()) === 0
  await shot(V, '18-my-certificates-after-delete')

  console.log(JSON.stringify(report))
} catch (error) {
  await shot(V, 'failure').catch(() => undefined)
  console.error(error)
  console.log(JSON.stringify(report))
  process.exitCode = 1
} finally {
  await browser.close()
}
