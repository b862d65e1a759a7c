import type { components } from '../../api'

type Role = components['schemas']['Role']
type AccountStatus = components['schemas']['AccountStatus']
type AuditAction = components['schemas']['AuditAction']

/** The names GET /reference's labels give these values (the guide's words). */
export const ROLE_NAMES: Record<Role, string> = {
  individual: '个人用户',
  league_org: '团组织',
  volunteer_org: '志愿服务组织',
  operator: '运营人员',
}

export const ACCOUNT_STATUS_NAMES: Record<AccountStatus, string> = {
  active: '正常',
  pending_review: '待审核',
  rejected: '审核未通过',
  disabled: '已停用',
}

export const AUDIT_ACTION_NAMES: Record<AuditAction, string> = {
  league_org_provisioned: '新建团组织',
  volunteer_org_approved: '通过组织审核',
  volunteer_org_rejected: '驳回组织审核',
  password_reset: '重置密码',
  account_disabled: '停用账号',
  account_enabled: '启用账号',
}
