import type { RouteRecordRaw } from 'vue-router'

/** The 个人用户's screens: 注册, 忘记密码, 求助 and 发布成功, 我的求助 and its detail, 我的收藏. */
export const individualRoutes: RouteRecordRaw[] = [
  { path: '/register', name: 'register', component: () => import('./RegisterView.vue') },
  { path: '/password/reset', name: 'password-reset', component: () => import('./ResetPasswordView.vue') },
  { path: '/help', name: 'help', component: () => import('./HelpRequestView.vue'), meta: { signedIn: true, tabBar: true } },
  { path: '/help/done', name: 'help-done', component: () => import('./HelpDoneView.vue'), meta: { signedIn: true } },
  {
    path: '/me/help-requests',
    name: 'my-help-requests',
    component: () => import('./MyHelpRequestsView.vue'),
    meta: { signedIn: true },
  },
  {
    path: '/me/help-requests/:id',
    name: 'my-help-request',
    component: () => import('./HelpRequestDetailView.vue'),
    props: true,
    meta: { signedIn: true },
  },
]
