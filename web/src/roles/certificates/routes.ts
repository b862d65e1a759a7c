import type { RouteRecordRaw } from 'vue-router'

/**
 * 志愿服务记录证明: the volunteer's 申请证明 and 我的证明, the organization's 证明申请 (出具, 不予出具, 撤销), and
 * the public verification page (anyone, signed out too; the PDF's QR code leads to /verify/<number>).
 */
export const certificateRoutes: RouteRecordRaw[] = [
  {
    path: '/me/certificates',
    name: 'my-certificates',
    component: () => import('./MyCertificatesView.vue'),
    meta: { signedIn: true },
  },
  {
    path: '/me/certificates/new',
    name: 'certificate-request',
    component: () => import('./RequestCertificateView.vue'),
    meta: { signedIn: true },
  },
  {
    path: '/org/certificates',
    name: 'certificate-inbox',
    component: () => import('./CertificateInboxView.vue'),
    meta: { signedIn: true },
  },
  { path: '/verify/:number?', name: 'verify', component: () => import('./VerifyView.vue'), props: true },
  { path: '/certificates/:number', redirect: (to) => ({ name: 'verify', params: { number: to.params.number } }) },
]
