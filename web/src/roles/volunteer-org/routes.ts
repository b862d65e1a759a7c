import type { RouteRecordRaw } from 'vue-router'

/** 志愿服务组织: 完善信息, 我的申请, 发布活动, the roster and the check-in code, 我的积分, 我的收藏. */
export const volunteerOrgRoutes: RouteRecordRaw[] = [
  { path: '/org/profile', name: 'org-profile', component: () => import('./OrgProfileView.vue'), meta: { signedIn: true } },
  { path: '/org/claims', name: 'org-claims', component: () => import('./MyClaimsView.vue'), meta: { signedIn: true } },
  {
    path: '/demands/:id/activities/new',
    name: 'activity-new',
    component: () => import('./PublishActivityView.vue'),
    props: true,
    meta: { signedIn: true },
  },
  {
    path: '/activities/:id/roster',
    name: 'activity-roster',
    component: () => import('./RosterView.vue'),
    props: true,
    meta: { signedIn: true },
  },
  {
    path: '/activities/:id/check-in-code',
    name: 'activity-code',
    component: () => import('./CheckInCodeView.vue'),
    props: true,
    meta: { signedIn: true },
  },
  { path: '/org/points', name: 'org-points', component: () => import('../../views/PointsView.vue'), meta: { signedIn: true } },
]
