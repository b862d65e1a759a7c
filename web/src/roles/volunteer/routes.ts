import type { RouteRecordRaw } from 'vue-router'

/** 志愿者 (a 个人用户 volunteering): the activity page (报名, 签到, 签退) and 我的服务记录. */
export const volunteerRoutes: RouteRecordRaw[] = [
  { path: '/activities/:id', name: 'activity', component: () => import('./ActivityView.vue'), props: true },
  {
    path: '/me/service-records',
    name: 'service-records',
    component: () => import('./ServiceRecordsView.vue'),
    meta: { signedIn: true },
  },
]
