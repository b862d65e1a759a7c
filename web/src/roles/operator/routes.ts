import type { RouteRecordRaw } from 'vue-router'

/** The operators' screens (运营人员), entered from 我的. */
export const operatorRoutes: RouteRecordRaw[] = [
  { path: '/operator/orgs', name: 'operator-orgs', component: () => import('./OrgReviewView.vue'), meta: { signedIn: true } },
  { path: '/operator/reports', name: 'operator-reports', component: () => import('./ReportQueueView.vue'), meta: { signedIn: true } },
  { path: '/operator/accounts', name: 'operator-accounts', component: () => import('./AccountsView.vue'), meta: { signedIn: true } },
  { path: '/operator/league-orgs', name: 'operator-league-orgs', component: () => import('./LeagueImportView.vue'), meta: { signedIn: true } },
  { path: '/operator/stats', name: 'operator-stats', component: () => import('./StatsView.vue'), meta: { signedIn: true } },
  { path: '/operator/parked-events', name: 'operator-parked-events', component: () => import('./ParkedEventsView.vue'), meta: { signedIn: true } },
  { path: '/operator/audit-log', name: 'operator-audit-log', component: () => import('./AuditLogView.vue'), meta: { signedIn: true } },
]
