"""Enumerations of the product: one place, everything else derives from them."""
from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    INDIVIDUAL = "individual"          # 个人用户 (also signs up to activities as a volunteer)
    LEAGUE_ORG = "league_org"          # 团组织
    VOLUNTEER_ORG = "volunteer_org"    # 志愿服务组织
    OPERATOR = "operator"              # 团省委 platform staff


ORG_ROLES = frozenset({Role.LEAGUE_ORG, Role.VOLUNTEER_ORG})


class UploadPurpose(StrEnum):
    """What an uploaded image is for: a segment of its key, so a key cannot be attached elsewhere."""

    ORG_PHOTO = "org_photo"              # 组织/团体照片 on an organization profile
    ACTIVITY_PHOTO = "activity_photo"    # 活动图片
    SEAL = "seal"                        # 证明用章: the organization's seal on a 志愿服务记录证明


# Who may upload for each purpose (POST /uploads). A new purpose is a member above, a row here and a label in
# LABELS["upload_purpose"].
UPLOAD_PURPOSE_ROLES: dict[UploadPurpose, frozenset[Role]] = {
    UploadPurpose.ORG_PHOTO: ORG_ROLES,
    UploadPurpose.ACTIVITY_PHOTO: frozenset({Role.VOLUNTEER_ORG}),
    UploadPurpose.SEAL: frozenset({Role.VOLUNTEER_ORG}),
}
# The image types accepted, with the extension their keys end in.
UPLOAD_CONTENT_TYPES: dict[str, str] = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}


class AccountStatus(StrEnum):
    ACTIVE = "active"
    PENDING_REVIEW = "pending_review"  # volunteer org waiting for an operator
    REJECTED = "rejected"              # volunteer org refused by an operator
    DISABLED = "disabled"              # switched off by an operator


class HelpRequestKind(StrEnum):
    CLOUD_TUTORING = "cloud_tutoring"  # 青年云支教专题需求
    GENERAL = "general"                # 普通需求


class HelpRequestStatus(StrEnum):
    """初始需求 progress as its submitter sees it (guide §2.3.1)."""

    PENDING = "pending"                # 待采用
    ADOPTED = "adopted"                # 已采用
    DECLINED = "declined"              # 不采用 (with a reason)
    AWAITING_CLAIM = "awaiting_claim"  # 待认领: its formal demand is published
    CLAIMED = "claimed"                # 已认领
    PUBLISHED = "published"            # 已发布: an activity was published


class DemandStatus(StrEnum):
    DRAFT = "draft"                    # 保存草稿: only its organization sees it
    OPEN = "open"                      # 待认领
    CLAIMED = "claimed"                # 已认领 (a confirmed claim)
    IN_SERVICE = "in_service"          # an activity was published (progress step 3)
    CLOSED = "closed"                  # 下架 by its organization


class ClaimStatus(StrEnum):
    PENDING = "pending"        # 待确认 / 申请认领中
    CONFIRMED = "confirmed"    # 认领成功
    RETURNED = "returned"      # 认领失败 (with the publisher's reason)
    WITHDRAWN = "withdrawn"    # 撤销认领


class MyClaimsFilter(StrEnum):
    """我的申请's status filter: each claim state, and 待评分 (a confirmed claim the caller still owes a
    rating on, while its 14-day window is open)."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"
    TO_RATE = "to_rate"        # 待评分


class VolunteerOrgKind(StrEnum):
    REGISTERED = "registered"          # 在民政部门备案的志愿服务组织
    ENDORSED_TEAM = "endorsed_team"    # 由已备案组织背书的志愿服务团体


class SmsPurpose(StrEnum):
    REGISTER = "register"
    RESET_PASSWORD = "reset_password"
    ORG_CONTACT = "org_contact"        # volunteer org's contact / leader mobile
    HELP_CONTACT = "help_contact"      # a help request's contact mobile
    LEADER_MOBILE = "leader_mobile"    # a formal demand's leader mobile
    WECHAT_BIND = "wechat_bind"        # an individual's own phone, to bind or unbind a WeChat login
    # Sent by the server only (never requested for a number the caller names), to the number on file:
    ACTIVATION = "activation"          # a 团组织's first login, to its provisioned leader mobile
    ACCOUNT_RECOVERY = "account_recovery"  # an organization's password reset, to its phone on file


# Codes the server sends to a number it holds; POST /sms/codes refuses them.
SERVER_SENT_SMS_PURPOSES = frozenset({SmsPurpose.ACTIVATION, SmsPurpose.ACCOUNT_RECOVERY})


class SmsTemplate(StrEnum):
    """The texts the platform sends. Each stage maps every one to its provider's approved template id
    (infra/stages.json → SMS_TEMPLATE_IDS); several may share an id. The texts are in services/sms_sender.py."""

    REGISTER_CODE = "register_code"                # a code, its minutes of validity
    PASSWORD_RESET_CODE = "password_reset_code"    # the same
    CONTACT_CODE = "contact_code"                  # the same: proving a contact or leader mobile
    ACTIVATION_CODE = "activation_code"            # the same: a 团组织's first login
    WECHAT_BIND_CODE = "wechat_bind_code"          # the same: binding (or unbinding) a WeChat login
    NOTIFICATION = "notification"                  # the notification's title (a NOTIFICATION_LABELS value)


# Which text carries the code of each purpose: the recipient reads what the code is for.
CODE_TEMPLATES: dict[SmsPurpose, SmsTemplate] = {
    SmsPurpose.REGISTER: SmsTemplate.REGISTER_CODE,
    SmsPurpose.RESET_PASSWORD: SmsTemplate.PASSWORD_RESET_CODE,
    SmsPurpose.ACCOUNT_RECOVERY: SmsTemplate.PASSWORD_RESET_CODE,
    SmsPurpose.ORG_CONTACT: SmsTemplate.CONTACT_CODE,
    SmsPurpose.HELP_CONTACT: SmsTemplate.CONTACT_CODE,
    SmsPurpose.LEADER_MOBILE: SmsTemplate.CONTACT_CODE,
    SmsPurpose.ACTIVATION: SmsTemplate.ACTIVATION_CODE,
    SmsPurpose.WECHAT_BIND: SmsTemplate.WECHAT_BIND_CODE,
}


class AuditAction(StrEnum):
    """What an operator did to an account (audit_log)."""

    LEAGUE_ORG_PROVISIONED = "league_org_provisioned"    # single create or one row of a 智慧团建 import
    VOLUNTEER_ORG_APPROVED = "volunteer_org_approved"
    VOLUNTEER_ORG_REJECTED = "volunteer_org_rejected"
    PASSWORD_RESET = "password_reset"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_ENABLED = "account_enabled"


# 广东省 21 个地级市 (SPEC §2.1 所在市).
GUANGDONG_CITIES: tuple[str, ...] = (
    "广州市", "深圳市", "珠海市", "汕头市", "佛山市", "韶关市", "湛江市",
    "肇庆市", "江门市", "茂名市", "惠州市", "梅州市", "汕尾市", "河源市",
    "阳江市", "清远市", "东莞市", "中山市", "潮州市", "揭阳市", "云浮市",
)

PROVINCE = "广东省"

# 服务对象, as offered by the platform's organization profile (guide §3.2 screenshots).
SERVICE_TARGETS: tuple[str, ...] = (
    "青少年", "婴幼儿", "孤寡老人", "残障人士", "特困群体", "优抚对象", "其它",
)

# 服务领域: the demand types of SPEC §2.2, which volunteer orgs declare they serve.
DEMAND_TYPES: tuple[str, ...] = (
    "心理健康", "环境保护", "文化体育", "恤病助医", "禁毒防艾", "关爱未成年人",
    "助残服务", "助老服务", "法治宣传", "脱贫攻坚", "其他",
)


# 当前所在年级 (guide §2.2).
GRADES: tuple[str, ...] = (
    "小学一年级", "小学二年级", "小学三年级", "小学四年级", "小学五年级", "小学六年级",
    "初中一年级", "初中二年级", "初中三年级", "高中一年级", "高中二年级", "高中三年级",
)

GENDERS: tuple[str, ...] = ("男", "女")

# 所需辅导课程: 1 to 3, each with last term's score.
TUTORING_SUBJECTS: tuple[str, ...] = ("语文", "数学", "英语", "历史", "地理", "政治", "生物", "化学", "物理")

# 其他课程: 0 to 3 interest courses, grouped as the form shows them.
INTEREST_COURSE_GROUPS: dict[str, tuple[str, ...]] = {
    "美术类": ("绘画", "书法", "手工"),
    "体育类": ("棋类", "羽毛球", "篮球"),
    "科技类": ("机器人", "魔方", "无人机"),
    "语言类": ("朗诵", "主持", "演讲"),
    "音舞类": ("舞蹈", "独唱", "合唱"),
}
INTEREST_COURSES: tuple[str, ...] = tuple(c for group in INTEREST_COURSE_GROUPS.values() for c in group)

# 能为志愿者提供的保障 (guide §3.3).
GUARANTEES: tuple[str, ...] = ("餐饮保障", "交通补贴", "车辆接送", "志愿者保险", "其他")


class ReportReason(StrEnum):
    FALSE_INFORMATION = "false_information"  # 虚假信息
    ILLEGAL = "illegal"                      # 违法违规
    ADVERTISING = "advertising"              # 广告骚扰
    PRIVACY_LEAK = "privacy_leak"            # 泄露隐私
    OTHER = "other"                          # 其他 (needs a text)


class ReportTarget(StrEnum):
    """What a report (举报) is about: the same rules and moderation for each kind."""

    DEMAND = "demand"
    ACTIVITY = "activity"


class ReportStatus(StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"


REPORTS_TO_HIDE = 3  # distinct accounts whose open reports hide a demand (or an activity) until an operator decides


# ---------------------------------------------------------------- activities (志愿服务活动, guide §4.5)

class ActivityStatus(StrEnum):
    PUBLISHED = "published"            # 已发布: recruiting, running or over (the phase follows the clock)
    CANCELLED = "cancelled"            # 已取消 by its organization before the service started


class SignupStatus(StrEnum):
    SIGNED_UP = "signed_up"            # 已报名
    CANCELLED = "cancelled"            # 已取消 by the volunteer before the service started


# 活动类型: only the first counts service hours (志愿服务记录证书).
ACTIVITY_TYPES: tuple[str, ...] = ("志愿服务活动（计入服务时长）", "公益活动（不计入服务时长）")
HOURS_COUNTING_ACTIVITY_TYPES: frozenset[str] = frozenset({"志愿服务活动（计入服务时长）"})

# 活动类别.
ACTIVITY_CATEGORIES: tuple[str, ...] = (
    "文明实践", "教育辅导", "关爱未成年人", "社区服务", "助老助残", "环境保护", "文化体育", "卫生健康",
    "应急救援", "其他",
)

# 签到方式, chosen by the organization when publishing: 扫码或者志愿者证签到签退 needs the rotating code the
# organization shows on site (a QR code, or read out at the door for a volunteer card): a position is
# client-asserted and proves nothing; 定位签到签退 accepts the volunteer's position inside the radius only.
SIGN_IN_METHODS: tuple[str, ...] = ("扫码或者志愿者证签到签退", "定位签到签退")
CODE_SIGN_IN_METHODS: frozenset[str] = frozenset({"扫码或者志愿者证签到签退"})


class CheckInProof(StrEnum):
    """What a volunteer's check-in and check-out must carry (shown on the public activity page)."""

    CODE = "code"            # the organization's current check-in code
    LOCATION = "location"    # the volunteer's position inside the attendance radius


def check_in_proof(sign_in_method: str) -> CheckInProof:
    return CheckInProof.CODE if sign_in_method in CODE_SIGN_IN_METHODS else CheckInProof.LOCATION


CHECK_IN_INSTRUCTIONS: dict[CheckInProof, str] = {
    CheckInProof.CODE: "签到签退须输入或扫描活动组织方在现场出示的签到码",
    CheckInProof.LOCATION: "签到签退须在活动地点的考勤地理范围内提交定位",
}

# 报名限制: only what the platform can enforce (it has no organization membership or age data yet).
WHO_MAY_SIGN_UP: tuple[str, ...] = ("所有志愿者可报名",)

# 活动标签 (at most 5 per activity).
ACTIVITY_TAGS: tuple[str, ...] = (
    "适合亲子体验", "适合中小学生参加", "适合大学生参加", "适合团体参加", "线上服务", "周末活动", "长期项目",
)
MAX_ACTIVITY_TAGS = 5
MAX_SERIES_DAYS = 92   # 数据统计 charts: a quarter of days per request (one Query page)


# ---------------------------------------------------------------- 志愿服务记录证明 (issue 18)

class CertificateStatus(StrEnum):
    """requested ──issue──▶ issued ──revoke──▶ revoked; requested ──refuse──▶ refused (the organization)."""

    REQUESTED = "requested"            # 待出具
    ISSUED = "issued"                  # 已出具
    REFUSED = "refused"                # 不予出具 (with a reason)
    REVOKED = "revoked"                # 已撤销 (with a reason)


class IdType(StrEnum):
    """证件类型 of the volunteer, collected only in a certificate request."""

    RESIDENT_ID = "resident_id"                    # 居民身份证
    HK_MACAO_PERMIT = "hk_macao_permit"            # 港澳居民来往内地通行证
    TAIWAN_PERMIT = "taiwan_permit"                # 台湾居民来往大陆通行证
    PASSPORT = "passport"                          # 护照


# The consent a request must carry (`consent: true` and this version, both stored with the request).
CERTIFICATE_CONSENT_VERSION = "2099-06-v1"
CERTIFICATE_CONSENT_TEXT = (
    "本人同意向所选志愿服务组织提供姓名、证件类型和证件号码，仅用于出具《志愿服务记录证明》。"
    "证件号码加密保存，除证明文件外均以掩码显示；申请待出具或未通过时删除申请即删除这些信息。")
MAX_CERTIFICATE_PERIOD_DAYS = 366


# ---------------------------------------------------------------- notifications (消息)

class NotificationType(StrEnum):
    """Every event that concerns an account. Each type can be muted by its recipient."""

    HELP_REQUEST_ADOPTED = "help_request_adopted"      # → the submitter
    HELP_REQUEST_DECLINED = "help_request_declined"    # → the submitter
    CLAIM_APPLIED = "claim_applied"                    # → the publishing 团组织
    CLAIM_CONFIRMED = "claim_confirmed"                # → the applicant
    CLAIM_RETURNED = "claim_returned"                  # → the applicant
    CLAIM_WITHDRAWN = "claim_withdrawn"                # → the publishing 团组织
    ACTIVITY_PUBLISHED = "activity_published"          # → the publishing 团组织
    ACTIVITY_CANCELLED = "activity_cancelled"          # → the 团组织 and every signed-up volunteer
    RATING_RECEIVED = "rating_received"                # → the rated organization, once the rating is visible
    POINTS_AWARDED = "points_awarded"                  # → the rated organization
    REPORT_OUTCOME = "report_outcome"                  # → every reporter of the demand
    PASSWORD_RESET = "password_reset"                  # → the account an operator reset (not mutable)
    # 志愿服务记录证明: written in the transition's own transaction, like PASSWORD_RESET (not muted, not texted).
    CERTIFICATE_REQUESTED = "certificate_requested"    # → the volunteer organization asked
    CERTIFICATE_ISSUED = "certificate_issued"          # → the volunteer
    CERTIFICATE_REFUSED = "certificate_refused"        # → the volunteer
    CERTIFICATE_REVOKED = "certificate_revoked"        # → the volunteer


NOTIFICATION_LABELS: dict[NotificationType, str] = {
    NotificationType.HELP_REQUEST_ADOPTED: "求助已采用",
    NotificationType.HELP_REQUEST_DECLINED: "求助未采用",
    NotificationType.CLAIM_APPLIED: "收到认领申请",
    NotificationType.CLAIM_CONFIRMED: "认领成功",
    NotificationType.CLAIM_RETURNED: "认领被退回",
    NotificationType.CLAIM_WITHDRAWN: "认领已撤销",
    NotificationType.ACTIVITY_PUBLISHED: "活动已发布",
    NotificationType.ACTIVITY_CANCELLED: "活动已取消",
    NotificationType.RATING_RECEIVED: "收到评分",
    NotificationType.POINTS_AWARDED: "获得积分",
    NotificationType.REPORT_OUTCOME: "举报处理结果",
    NotificationType.PASSWORD_RESET: "密码已被重置",
    NotificationType.CERTIFICATE_REQUESTED: "收到证明申请",
    NotificationType.CERTIFICATE_ISSUED: "证明已出具",
    NotificationType.CERTIFICATE_REFUSED: "证明申请未通过",
    NotificationType.CERTIFICATE_REVOKED: "证明已撤销",
}

# Also sent as a text message (when deployed; console locally), unless the recipient turned SMS off:
# the events someone has to act on or travel for.
SMS_NOTIFICATION_TYPES: frozenset[NotificationType] = frozenset({
    NotificationType.HELP_REQUEST_ADOPTED,
    NotificationType.CLAIM_CONFIRMED,
    NotificationType.CLAIM_RETURNED,
    NotificationType.ACTIVITY_CANCELLED,
})


# ---------------------------------------------------------------- Chinese labels (one source)
# What a screen shows for each value of the enumerations it displays; /reference serves them, and
# objects carrying a status answer its `status_label` from here.

LABELS: dict[str, dict[StrEnum, str]] = {
    "role": {Role.INDIVIDUAL: "个人用户", Role.LEAGUE_ORG: "团组织", Role.VOLUNTEER_ORG: "志愿服务组织",
             Role.OPERATOR: "运营人员"},
    "account_status": {AccountStatus.ACTIVE: "正常", AccountStatus.PENDING_REVIEW: "待审核",
                       AccountStatus.REJECTED: "审核未通过", AccountStatus.DISABLED: "已停用"},
    "help_request_kind": {HelpRequestKind.CLOUD_TUTORING: "青年云支教专题需求", HelpRequestKind.GENERAL: "普通需求"},
    "help_request_status": {
        HelpRequestStatus.PENDING: "待采用", HelpRequestStatus.ADOPTED: "已采用", HelpRequestStatus.DECLINED: "不采用",
        HelpRequestStatus.AWAITING_CLAIM: "待认领", HelpRequestStatus.CLAIMED: "已认领",
        HelpRequestStatus.PUBLISHED: "已发布"},
    "demand_status": {DemandStatus.DRAFT: "草稿", DemandStatus.OPEN: "待认领", DemandStatus.CLAIMED: "已认领",
                      DemandStatus.IN_SERVICE: "已发布活动", DemandStatus.CLOSED: "已下架"},
    "claim_status": {ClaimStatus.PENDING: "申请认领中", ClaimStatus.CONFIRMED: "认领成功",
                     ClaimStatus.RETURNED: "认领失败", ClaimStatus.WITHDRAWN: "撤销认领"},
    "my_claims_filter": {MyClaimsFilter.PENDING: "申请认领中", MyClaimsFilter.CONFIRMED: "认领成功",
                         MyClaimsFilter.RETURNED: "认领失败", MyClaimsFilter.WITHDRAWN: "撤销认领",
                         MyClaimsFilter.TO_RATE: "待评分"},
    "volunteer_org_kind": {VolunteerOrgKind.REGISTERED: "志愿服务组织（已备案）",
                           VolunteerOrgKind.ENDORSED_TEAM: "志愿服务团体（由已备案组织背书）"},
    "report_reason": {ReportReason.FALSE_INFORMATION: "虚假信息", ReportReason.ILLEGAL: "违法违规",
                      ReportReason.ADVERTISING: "广告骚扰", ReportReason.PRIVACY_LEAK: "泄露隐私",
                      ReportReason.OTHER: "其他"},
    "report_target": {ReportTarget.DEMAND: "需求", ReportTarget.ACTIVITY: "活动"},
    "report_status": {ReportStatus.OPEN: "待处理", ReportStatus.UPHELD: "举报成立",
                      ReportStatus.DISMISSED: "举报不成立"},
    "activity_status": {ActivityStatus.PUBLISHED: "已发布", ActivityStatus.CANCELLED: "已取消"},
    "signup_status": {SignupStatus.SIGNED_UP: "已报名", SignupStatus.CANCELLED: "已取消"},
    "check_in_proof": {CheckInProof.CODE: "现场签到码", CheckInProof.LOCATION: "定位"},
    "notification_type": dict(NOTIFICATION_LABELS),
    "upload_purpose": {UploadPurpose.ORG_PHOTO: "组织/团体照片", UploadPurpose.ACTIVITY_PHOTO: "活动图片",
                       UploadPurpose.SEAL: "证明用章"},
    "certificate_status": {CertificateStatus.REQUESTED: "待出具", CertificateStatus.ISSUED: "已出具",
                           CertificateStatus.REFUSED: "不予出具", CertificateStatus.REVOKED: "已撤销"},
    "id_type": {IdType.RESIDENT_ID: "居民身份证", IdType.HK_MACAO_PERMIT: "港澳居民来往内地通行证",
                IdType.TAIWAN_PERMIT: "台湾居民来往大陆通行证", IdType.PASSPORT: "护照"},
}

# The labels of each status enumeration, by the enumeration (answers' `status_label`).
STATUS_LABELS_BY_ENUM: dict[type[StrEnum], dict[StrEnum, str]] = {
    AccountStatus: LABELS["account_status"], HelpRequestStatus: LABELS["help_request_status"],
    DemandStatus: LABELS["demand_status"], ClaimStatus: LABELS["claim_status"],
    ReportStatus: LABELS["report_status"], ActivityStatus: LABELS["activity_status"],
    SignupStatus: LABELS["signup_status"], CertificateStatus: LABELS["certificate_status"],
}
