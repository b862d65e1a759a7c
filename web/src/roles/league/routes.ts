import type { RouteRecordRaw } from 'vue-router'

/** The 团组织's screens (guide §3): 初始需求, 发布, 我的发布, 待确认, 评分, 积分, 组织信息管理. */
export const leagueRoutes: RouteRecordRaw[] = [
  {
    path: '/league/help-requests',
    name: 'league-help-requests',
    component: () => import('./HelpInboxView.vue'),
    meta: { signedIn: true },
  },
  {
    path: '/league/help-requests/:id',
    name: 'league-help-request',
    component: () => import('./HelpRequestView.vue'),
    props: true,
    meta: { signedIn: true },
  },
  { path: '/league/publish', name: 'league-publish', component: () => import('./PublishView.vue'), meta: { signedIn: true } },
  {
    path: '/league/publish/:id',
    name: 'league-publish-draft',
    component: () => import('./PublishView.vue'),
    props: true,
    meta: { signedIn: true },
  },
  { path: '/league/demands', name: 'league-demands', component: () => import('./MyDemandsView.vue'), meta: { signedIn: true } },
  { path: '/league/claims', name: 'league-claims', component: () => import('./ClaimInboxView.vue'), meta: { signedIn: true } },
  { path: '/league/ratings', name: 'league-ratings', component: () => import('./RatingsOwedView.vue'), meta: { signedIn: true } },
  {
    path: '/league/ratings/:claimId',
    name: 'league-rate',
    component: () => import('./RateView.vue'),
    props: true,
    meta: { signedIn: true },
  },
  { path: '/league/points', name: 'league-points', component: () => import('../../views/PointsView.vue'), meta: { signedIn: true } },
  { path: '/league/profile', name: 'league-profile', component: () => import('./ProfileView.vue'), meta: { signedIn: true } },
]
