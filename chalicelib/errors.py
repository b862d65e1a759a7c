"""The one catalogue of error codes the API returns.

Every error leaves the API as
`{"error": {"code": ..., "message": ..., "fields": [...]}}`; clients branch on
`code` (stable, never renamed) and may show `message` (Chinese, for users).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class ErrorCode(Enum):
    # (HTTP status, default user-facing message)
    VALIDATION_FAILED = (400, "请求参数有误")
    INVALID_JSON = (400, "请求体不是合法的 JSON")
    JSON_TOO_DEEP = (400, "请求体嵌套层数过多")
    SMS_CODE_INVALID = (400, "验证码错误")
    SMS_CODE_EXPIRED = (400, "验证码已过期，请重新获取")
    SMS_CODE_ATTEMPTS_EXCEEDED = (400, "验证码错误次数过多，请重新获取")
    PASSWORD_TOO_WEAK = (400, "密码需为8至64位，且同时包含字母和数字")
    CSV_INVALID = (400, "导入文件有误，未导入任何数据")
    CURRENT_PASSWORD_INCORRECT = (400, "当前密码错误")
    CHECK_IN_CODE_INVALID = (400, "签到码错误或已过期")
    CHECK_IN_CODE_REQUIRED = (400, "该活动须使用组织方在现场出示的签到码签到签退")
    OUTSIDE_ATTENDANCE_AREA = (400, "您不在活动的考勤地理范围内")
    ACTIVATION_CODE_REQUIRED = (400, "首次登录需填写发送到负责人手机的验证码")
    IDEMPOTENCY_KEY_INVALID = (400, "Idempotency-Key 须为 8 至 64 位字母、数字、“-”或“_”（如 UUID）")
    UPLOAD_PURPOSE_NOT_ALLOWED = (400, "您的账号不能上传该用途的图片")
    UPLOAD_NOT_YOURS = (400, "图片不是您上传的，请重新上传")
    UPLOAD_NOT_FOUND = (400, "图片未上传成功或已过期，请重新上传")
    UPLOAD_INVALID = (400, "图片须为 JPEG、PNG 或 WebP 格式，且不超过 2 MB")
    ID_NUMBER_INVALID = (400, "证件号码格式或校验位有误")
    REQUEST_REJECTED = (400, "请求无法处理，请检查后重试")   # API Gateway refused it (DEFAULT_4XX)
    WECHAT_STATE_INVALID = (400, "微信登录已过期，请重新进入")      # the state: forged, expired or used
    WECHAT_CODE_INVALID = (400, "微信授权已失效，请重新进入")       # WeChat refused the code (40029, 40163)
    WECHAT_BIND_TICKET_INVALID = (400, "绑定已过期，请重新从微信进入")

    UNAUTHENTICATED = (401, "请先登录")
    TOKEN_EXPIRED = (401, "登录已过期，请重新登录")
    INVALID_CREDENTIALS = (401, "账号或密码错误")
    REFRESH_TOKEN_INVALID = (401, "登录状态已失效，请重新登录")

    FORBIDDEN = (403, "无权访问")
    PASSWORD_CHANGE_REQUIRED = (403, "首次登录请先修改初始密码")
    ACCOUNT_DISABLED = (403, "账号已被停用")
    ORG_PENDING_APPROVAL = (403, "组织注册信息正在审核中")
    ORG_REJECTED = (403, "组织注册申请未通过审核")
    ORG_PROFILE_INCOMPLETE = (403, "请先完善组织信息")
    NOT_SIGNED_UP = (403, "您未报名该活动")

    NOT_FOUND = (404, "资源不存在")
    ACCOUNT_NOT_FOUND = (404, "该手机号未注册")
    ROUTE_NOT_FOUND = (404, "接口不存在")   # no route has this path and method
    WECHAT_NOT_CONFIGURED = (404, "当前环境未开通微信登录")   # the stage has no 公众号 configured
    METHOD_NOT_ALLOWED = (405, "不支持的请求方法")

    PHONE_ALREADY_REGISTERED = (409, "该手机号已注册")
    ACCOUNT_NAME_TAKEN = (409, "该账号名不可用，请换一个")
    CREDIT_CODE_TAKEN = (409, "该统一社会信用代码已注册")
    STATE_CONFLICT = (409, "当前状态不允许该操作，请刷新后重试")
    ALREADY_ACTIVATED = (409, "账号已激活")
    NO_PHONE_ON_FILE = (409, "该账号没有登记可接收验证码的手机号，请联系运营人员")
    HELP_REQUEST_NOT_LINKABLE = (409, "只能关联本组织待采用或已采用、且未关联其他需求的求助需求")
    DEMAND_NOT_EDITABLE = (409, "已有组织申请认领，需求不能再修改")
    ALREADY_REPORTED = (409, "您已举报过该需求，请等待处理结果")
    DEMAND_NOT_CLAIMABLE = (409, "该需求当前不接受认领申请")
    DEMAND_ALREADY_CLAIMED = (409, "该需求已被其他组织认领")
    DEMAND_CLAIMS_FULL = (409, "该需求的认领申请已满，请稍后再试")
    CLAIM_ALREADY_APPLIED = (409, "您已申请认领该需求")
    CLAIM_PENDING_LIMIT = (409, "待确认的认领申请已达上限，请等待处理或撤销后再申请")
    CLAIM_NOT_WITHDRAWABLE = (409, "活动已发布，不能撤销认领")
    ACTIVITY_CANCELLED = (409, "该活动已取消")
    ACTIVITY_NOT_CANCELLABLE = (409, "活动已开始，不能取消")
    SIGNUP_CLOSED = (409, "不在活动报名时间内")
    ACTIVITY_FULL = (409, "活动报名人数已满")
    ALREADY_SIGNED_UP = (409, "您已报名该活动")
    SIGNUP_NOT_CANCELLABLE = (409, "活动已开始或您已签到，不能取消报名")
    OUTSIDE_ATTENDANCE_TIME = (409, "不在活动的签到签退时间内")
    ALREADY_CHECKED_IN = (409, "您已签到，请先签退")
    NOT_CHECKED_IN = (409, "您还没有签到")
    CHECK_IN_DAILY_LIMIT = (409, "今日签到次数已达上限")
    CLAIM_NOT_RATABLE = (409, "只有认领成功的需求才能评分")
    RATING_ALREADY_GIVEN = (409, "您已评分，评分提交后不能修改")
    RATING_WINDOW_CLOSED = (409, "评分期已过（认领成功后14天内可评分）")
    NOTHING_TO_CERTIFY = (409, "该期间内没有可由该组织证明的志愿服务时长")
    CERTIFICATE_REVOKED = (409, "该证明已被出具组织撤销，不能下载")
    IDEMPOTENCY_KEY_IN_PROGRESS = (409, "相同的请求正在处理中，请稍后重试")
    IDEMPOTENCY_ANSWER_LOST = (409, "该操作已完成，但结果未能返回，请刷新后查看")
    WECHAT_ALREADY_BOUND = (409, "该微信已绑定其他账号")
    ACCOUNT_ALREADY_BOUND = (409, "该账号已绑定其他微信，请先在“我的”中解除绑定")
    WECHAT_NOT_BOUND = (409, "该账号未绑定微信")

    PAYLOAD_TOO_LARGE = (413, "请求体过大")
    UNSUPPORTED_MEDIA_TYPE = (415, "不支持的请求内容类型")
    IDEMPOTENCY_KEY_REUSED = (422, "该 Idempotency-Key 已用于另一个请求，新的请求请使用新的 Idempotency-Key")
    SMS_PHONE_REJECTED = (422, "该手机号无法接收短信，请核对号码")   # the SMS provider refuses the number itself

    SMS_SEND_TOO_FREQUENT = (429, "发送过于频繁，请稍后再试")
    SMS_DAILY_LIMIT = (429, "今日验证码发送次数已达上限")
    SMS_CLIENT_LIMIT = (429, "当前网络获取验证码过于频繁，请稍后再试")
    SMS_PLATFORM_LIMIT = (429, "验证码发送繁忙，请稍后再试")
    LOGIN_THROTTLED = (429, "登录尝试过多，请稍后再试")
    CHECK_IN_CODE_THROTTLED = (429, "签到码错误次数过多，请稍后再试")
    REGISTRATION_THROTTLED = (429, "注册尝试过多，请稍后再试")
    TOO_MANY_REQUESTS = (429, "请求过于频繁，请稍后再试")   # API Gateway's stage throttling

    INTERNAL_ERROR = (500, "服务器内部错误")
    SERVICE_MISCONFIGURED = (503, "服务暂不可用")
    SMS_UNAVAILABLE = (503, "短信发送失败，请稍后再试")   # the SMS provider failed; the send's quota was given back
    STORAGE_UNAVAILABLE = (503, "图片服务暂时不可用，请稍后再试")   # S3 failed while claiming an image
    CERTIFICATE_RENDERER_UNAVAILABLE = (503, "证明文件暂时无法生成，请稍后再试")   # the PDF function failed
    WECHAT_UNAVAILABLE = (503, "微信服务暂时不可用，请稍后再试")   # the WeChat API failed or answered an error
    WECHAT_RATE_LIMITED = (503, "微信接口调用已达上限，请稍后再试")   # WeChat's quota (45009)
    UPSTREAM_TIMEOUT = (504, "服务响应超时，请稍后再试")   # the function did not answer API Gateway in time

    @property
    def status(self) -> int:
        return self.value[0]

    @property
    def default_message(self) -> str:
        return self.value[1]


@dataclass(frozen=True)
class FieldError:
    path: str
    code: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"path": self.path, "code": self.code, "message": self.message}


@dataclass
class AppError(Exception):
    """Raised by services; the API layer turns it into the error response."""

    code: ErrorCode
    message: str | None = None
    fields: list[FieldError] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.code.name)

    @property
    def status(self) -> int:
        return self.code.status

    def body(self) -> dict:
        return error_body(self.code, self.message, self.fields)


def error_body(code: ErrorCode, message: str | None = None, fields: list[FieldError] | None = None) -> dict:
    return {
        "error": {
            "code": code.name,
            "message": message or code.default_message,
            "fields": [f.as_dict() for f in fields or []],
        }
    }


def field_error(code: ErrorCode, path: str, message: str | None = None) -> AppError:
    """An error about one input field, e.g. a wrong SMS code."""
    text = message or code.default_message
    return AppError(code, text, [FieldError(path=path, code=code.name, message=text)])


def throttled(code: ErrorCode, retry_after_seconds: int) -> AppError:
    return AppError(code, headers={"Retry-After": str(max(1, int(retry_after_seconds)))})


# What a form proven by an SMS code can answer about the code (routing.endpoint(errors=...)).
SMS_CODE_ERRORS = (ErrorCode.SMS_CODE_INVALID, ErrorCode.SMS_CODE_EXPIRED, ErrorCode.SMS_CODE_ATTEMPTS_EXCEEDED)
# What a route taking an Idempotency-Key can answer about it (routing.endpoint(idempotent=True) adds them).
IDEMPOTENCY_ERRORS = (ErrorCode.IDEMPOTENCY_KEY_INVALID, ErrorCode.IDEMPOTENCY_KEY_IN_PROGRESS,
                      ErrorCode.IDEMPOTENCY_ANSWER_LOST, ErrorCode.IDEMPOTENCY_KEY_REUSED)

# What a body referring to uploaded images can answer about them (uploads.claim).
UPLOAD_ERRORS = (ErrorCode.UPLOAD_NOT_YOURS, ErrorCode.UPLOAD_NOT_FOUND, ErrorCode.UPLOAD_INVALID,
                 ErrorCode.STORAGE_UNAVAILABLE)
