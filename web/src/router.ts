import { createRouter, createWebHistory } from 'vue-router'
import { session } from './api'
import { gate } from './gate'
import HomeView from './views/HomeView.vue'
import { leagueRoutes } from './roles/league/routes'
import { volunteerOrgRoutes } from './roles/volunteer-org/routes'
import { volunteerRoutes } from './roles/volunteer/routes'
import { individualRoutes } from './roles/individual/routes'
import { operatorRoutes } from './roles/operator/routes'
import { certificateRoutes } from './roles/certificates/routes'

declare module 'vue-router' {
  interface RouteMeta {
    signedIn?: boolean
    /** The bottom tab bar shows on the main screens only. */
    tabBar?: boolean
  }
}

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/', name: 'home', component: HomeView, meta: { tabBar: true } },
    { path: '/demands/:id', name: 'demand', component: () => import('./views/DemandView.vue'), props: true },
    { path: '/login', name: 'login', component: () => import('./views/LoginView.vue') },
    { path: '/login/wechat', name: 'wechat-login', component: () => import('./views/WechatLoginView.vue') },
    { path: '/password', name: 'password', component: () => import('./views/PasswordView.vue') },
    {
      path: '/messages',
      name: 'messages',
      component: () => import('./views/MessagesView.vue'),
      meta: { signedIn: true, tabBar: true },
    },
    // 我的收藏: every role's, one screen.
    {
      path: '/me/favorites',
      name: 'my-favorites',
      component: () => import('./views/FavoritesView.vue'),
      meta: { signedIn: true },
    },
    { path: '/me', name: 'me', component: () => import('./views/MeView.vue'), meta: { signedIn: true, tabBar: true } },
    ...leagueRoutes,
    ...volunteerOrgRoutes,
    ...volunteerRoutes,
    ...individualRoutes,
    ...operatorRoutes,
    ...certificateRoutes,
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach((to) => gate(to, session.current))
