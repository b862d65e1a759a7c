"""A stage's operations, added to its packaged template by scripts/package.py (never shipped).

- a log group per function with the stage's retention, named as `chalice deploy` would name the function's
  (`/aws/lambda/yce-api-<stage>[-<function>]`), and the function's `LoggingConfig` pointing at it. Not
  Chalice's `log_retention_in_days`: with `xray` on, `chalice package` refuses it (aws/chalice#2079). The
  group exists before the function (the function refers to it), so Lambda never creates one that never
  expires, nor one of the same name first, which would make the stack's fail;
- the REST API's access log (JSON, one line per request, no header or body) in its own group, its name
  `yce-api-<stage>` (the `ApiName` its metrics carry: the stages in one region stay apart) and the stage's
  throttling;
- the alarms (all on metrics this stage emits in its own region) and one dashboard.
Settings per stage: `operations` in infra/stages.json.

    .venv/bin/python scripts/operations.py [--check]

writes the list of every alarm into docs/deploy.md ("Alarms"); `--check` exits 1 when it is stale.
"""
from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import devenv
import generated_files
import infra_model
import infra_template
import stage_config
from chalice.utils import to_cfn_resource_name

devenv.use_repo_imports()

from chalicelib.events.consumers import SCHEDULED_JOBS, STREAM_CONSUMERS, ScheduledJob  # noqa: E402

DEPLOY_DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"
API_FUNCTION = "api_handler"
API_RESOURCE_ID = "APIHandler"
REST_API_ID = "RestAPI"
ACCESS_LOG_GROUP_ID = "ApiAccessLogGroup"
DASHBOARD_ID = "OperationsDashboard"
# CloudWatch Logs accepts only these retentions (days).
RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
                  3653)
# Who, what, how it went, how long: never a header (Authorization) or a body.
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId", "ip": "$context.identity.sourceIp", "time": "$context.requestTimeEpoch",
    "method": "$context.httpMethod", "route": "$context.resourcePath", "status": "$context.status",
    "latency": "$context.responseLatency", "integrationLatency": "$context.integrationLatency",
    "responseLength": "$context.responseLength", "gatewayError": "$context.error.responseType",
}
METRIC_NAMESPACE = "YCE"   # the business metrics (Powertools EMF), each with the dimension `service`
BUSINESS_METRICS = ("HelpRequestsSubmitted", "DemandsPublished", "ClaimsConfirmed", "RatingsSubmitted")
PERIOD = 300
API_5XX_THRESHOLD = 5              # per 5 minutes: a 503 SMS_UNAVAILABLE or a 504 now and then is not an outage
API_P95_LATENCY_MS = 2000          # three 5-minute periods in a row
ITERATOR_AGE_MS = 10 * 60 * 1000   # a stream handler 10 minutes behind, twice in a row
SMS_FAILED_THRESHOLD = 3           # per 5 minutes: one failure is answered 503 and retried by its user
# A metric math alarm takes at most 10 metrics: a table's and its indexes' throttle events, in groups.
MAX_ALARM_METRICS = 10


@dataclass(frozen=True)
class StageOperations:
    log_retention_days: int
    api_rate_limit: float      # requests per second, the stage's steady rate
    api_burst_limit: int


def stage_operations(stages: dict, stage: str) -> StageOperations:
    """The stage's `operations` in infra/stages.json, validated."""
    settings = stages.get(stage, {}).get("operations")
    if not settings:
        raise SystemExit(f"error: stage {stage!r} has no `operations` in infra/stages.json")
    ops = StageOperations(log_retention_days=settings["log_retention_days"],
                          api_rate_limit=float(settings["api_throttle"]["rate"]),
                          api_burst_limit=int(settings["api_throttle"]["burst"]))
    if ops.log_retention_days not in RETENTION_DAYS:
        raise SystemExit(f"error: {stage}: log_retention_days {ops.log_retention_days} is not one CloudWatch Logs "
                         f"accepts ({', '.join(map(str, RETENTION_DAYS))})")
    if not 0 < ops.api_rate_limit <= ops.api_burst_limit:
        raise SystemExit(f"error: {stage}: api_throttle needs 0 < rate <= burst")
    return ops


@dataclass(frozen=True)
class Function:
    resource_id: str              # in the packaged template
    name: str                     # the Python function (`lambda_functions` key in .chalice/config.json)
    kind: str                     # api | stream | schedule
    interval_seconds: int | None = None   # a schedule's: how often it runs

    def log_group_name(self, stage: str) -> str:
        # What `chalice deploy` names the function: the API handler has no suffix.
        base = f"{infra_model.APP_NAME}-{stage}"
        return f"/aws/lambda/{base}" if self.kind == "api" else f"/aws/lambda/{base}-{self.name}"


def stage_functions(variables: dict[str, str]) -> list[Function]:
    """The functions `chalice package` makes for the stage: the API, each stream handler whose stream the
    stage names (app.py registers no other), each schedule."""
    functions = [Function(API_RESOURCE_ID, API_FUNCTION, "api")]
    functions += [Function(to_cfn_resource_name(c.function_name), c.function_name, "stream")
                  for c in STREAM_CONSUMERS if variables.get(f"{c.logical_table.upper()}_STREAM_ARN")]
    functions += [Function(to_cfn_resource_name(j.function_name), j.function_name, "schedule", _interval(j))
                  for j in SCHEDULED_JOBS]
    return functions


def _interval(job: ScheduledJob) -> int:
    if job.every_seconds:
        return job.every_seconds
    if job.daily_at_utc:
        return 24 * 3600
    raise SystemExit(f"error: {job.function_name}: neither every_seconds nor daily_at_utc says how often it runs")


def check_functions(template: dict, functions: list[Function]) -> None:
    packaged = {rid for rid, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}
    if packaged != {fn.resource_id for fn in functions}:
        raise SystemExit(f"error: the packaged functions {sorted(packaged)} are not the stage's "
                         f"{sorted(fn.resource_id for fn in functions)} (events/consumers.py)")


def service_name(stage: str, variables: dict[str, str]) -> str:
    """The business metrics' `service` dimension (POWERTOOLS_SERVICE_NAME, `yce-api-<stage>` by contract)."""
    return variables.get("POWERTOOLS_SERVICE_NAME") or f"{infra_model.APP_NAME}-{stage}"


def sms_provider(variables: dict[str, str]) -> str:
    return variables.get("SMS_SENDER", "console")


def api_name(stage: str) -> str:
    return f"{infra_model.APP_NAME}-{stage}"


def alarm_topic_arn(table_prefix: str) -> dict:
    return {"Fn::Sub": "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:"
                       + infra_model.alarm_topic_name(table_prefix)}


class Alarms:
    """The stage's alarms as template resources, all notifying the data stack's alarm topic."""

    def __init__(self, stage: str, table_prefix: str) -> None:
        self.stage, self.topic = stage, alarm_topic_arn(table_prefix)
        self.resources: dict[str, dict] = {}

    def add(self, resource_id: str, name: str, description: str, threshold: float, comparison: str,
            missing: str = "notBreaching", periods: int = 1, **metric) -> None:
        self.resources[resource_id] = {"Type": "AWS::CloudWatch::Alarm", "Properties": {
            "AlarmName": f"{infra_model.APP_NAME}-{self.stage}-{name}", "AlarmDescription": description,
            **metric, "EvaluationPeriods": periods, "DatapointsToAlarm": periods, "Threshold": threshold,
            "ComparisonOperator": comparison, "TreatMissingData": missing,
            "AlarmActions": [self.topic], "OKActions": [self.topic]}}

    def at_least(self, resource_id: str, name: str, description: str, threshold: float, namespace: str,
                 metric: str, dimensions: dict, statistic: str = "Sum", periods: int = 1) -> None:
        self.add(resource_id, name, description, threshold, "GreaterThanOrEqualToThreshold", periods=periods,
                 Namespace=namespace, MetricName=metric, Statistic=statistic, Period=PERIOD,
                 Dimensions=_dimensions(dimensions))


def _dimensions(dimensions: dict) -> list[dict]:
    return [{"Name": name, "Value": value} for name, value in dimensions.items()]


def function_alarms(alarms: Alarms, functions: list[Function]) -> None:
    for fn in functions:
        dims = {"FunctionName": {"Ref": fn.resource_id}}
        alarms.at_least(f"{fn.resource_id}ErrorsAlarm", f"{fn.name}-errors",
                        f"{fn.name}: an invocation failed (crash, timeout or unhandled error)", 1,
                        "AWS/Lambda", "Errors", dims)
        alarms.at_least(f"{fn.resource_id}ThrottlesAlarm", f"{fn.name}-throttles",
                        f"{fn.name}: invocations refused at its reserved concurrency", 1, "AWS/Lambda", "Throttles",
                        dims)
        if fn.kind == "stream":
            alarms.at_least(f"{fn.resource_id}IteratorAgeAlarm", f"{fn.name}-iterator-age",
                            f"{fn.name}: its stream's oldest unprocessed record is over "
                            f"{ITERATOR_AGE_MS // 60000} minutes old", ITERATOR_AGE_MS, "AWS/Lambda", "IteratorAge",
                            dims, statistic="Maximum", periods=2)
        elif fn.kind == "schedule":
            # Hourly periods: a run falls in one; a job is late when more periods than its interval holds
            # are empty (24 at most: CloudWatch evaluates a day at most). Missing data is no run.
            periods = min(24, fn.interval_seconds // 3600 + 1)
            alarms.add(f"{fn.resource_id}MissedRunAlarm", f"{fn.name}-missed-run",
                       f"{fn.name}: not invoked for {periods} hours (it runs every {fn.interval_seconds // 3600} h)",
                       1, "LessThanThreshold", missing="breaching", periods=periods, Namespace="AWS/Lambda",
                       MetricName="Invocations", Statistic="Sum", Period=3600,
                       Dimensions=_dimensions({"FunctionName": {"Ref": fn.resource_id}}))


def api_alarms(alarms: Alarms, stage: str, api_stage: str) -> None:
    dims = {"ApiName": api_name(stage), "Stage": api_stage}
    alarms.at_least("Api5xxAlarm", "api-5xx", f"the API answered {API_5XX_THRESHOLD} or more 5xx in 5 minutes",
                    API_5XX_THRESHOLD, "AWS/ApiGateway", "5XXError", dims)
    alarms.add("ApiLatencyAlarm", "api-p95-latency",
               f"the API's p95 latency was over {API_P95_LATENCY_MS} ms for 15 minutes", API_P95_LATENCY_MS,
               "GreaterThanThreshold", periods=3, Namespace="AWS/ApiGateway", MetricName="Latency",
               ExtendedStatistic="p95", Period=PERIOD, Dimensions=_dimensions(dims))


def table_throttle_metrics(table: str, index_names: list[str]) -> list[tuple[str, dict]]:
    """Every throttle-event metric of a table and its global indexes: (metric name, dimensions)."""
    metrics = []
    for index in [None, *index_names]:
        dims = {"TableName": table} if index is None else {"TableName": table, "GlobalSecondaryIndexName": index}
        metrics += [("ReadThrottleEvents", dims), ("WriteThrottleEvents", dims)]
    return metrics


def table_alarms(alarms: Alarms, table_prefix: str) -> None:
    # On-demand tables throttle too (a hot partition, twice the previous peak); a global index throttles on
    # its own, and its write throttling holds back the table's writes.
    for spec in infra_model.tables():
        gsis = sorted(index["index_name"] for index in spec.schema["global_secondary_indexes"])
        metrics = table_throttle_metrics(f"{table_prefix}{spec.logical}", gsis)
        groups = [metrics[at:at + MAX_ALARM_METRICS] for at in range(0, len(metrics), MAX_ALARM_METRICS)]
        for number, group in enumerate(groups, 1):
            suffix = "" if len(groups) == 1 else f"-{number}"
            queries = [{"Id": f"m{i}", "ReturnData": False, "MetricStat": {
                "Metric": {"Namespace": "AWS/DynamoDB", "MetricName": name, "Dimensions": _dimensions(dims)},
                "Period": PERIOD, "Stat": "Sum"}} for i, (name, dims) in enumerate(group)]
            queries.append({"Id": "throttled", "Expression": "SUM(METRICS())", "Label": "throttle events",
                            "ReturnData": True})
            alarms.add(f"{spec.resource_id}ThrottleAlarm{number if suffix else ''}",
                       f"table-{spec.logical}-throttles{suffix}",
                       f"DynamoDB throttled requests on {spec.logical}" + (" or its indexes" if gsis else ""), 1,
                       "GreaterThanOrEqualToThreshold", Metrics=queries)


def business_alarms(alarms: Alarms, service: str, provider: str) -> None:
    alarms.at_least("StreamRecordsParkedAlarm", "stream-records-parked",
                    "a stream handler parked a record it could not apply (GET /admin/parked-events)", 1,
                    METRIC_NAMESPACE, "StreamRecordsParked", {"service": service})
    alarms.at_least("SmsFailedAlarm", "sms-failed",
                    f"{SMS_FAILED_THRESHOLD} or more SMS sends failed at the stage's provider in 5 minutes (503 to "
                    "their users)", SMS_FAILED_THRESHOLD, METRIC_NAMESPACE, "SmsFailed",
                    {"service": service, "provider": provider})


def access_logs(template: dict, stage: str, api_stage: str, ops: StageOperations) -> None:
    template["Resources"][ACCESS_LOG_GROUP_ID] = {"Type": "AWS::Logs::LogGroup", "Properties": {
        "LogGroupName": f"/aws/apigateway/{api_name(stage)}/{api_stage}/access",
        "RetentionInDays": ops.log_retention_days}}
    props = template["Resources"][REST_API_ID]["Properties"]
    props["Name"] = api_name(stage)
    props["DefinitionBody"]["info"]["title"] = api_name(stage)
    props["AccessLogSetting"] = {"DestinationArn": {"Fn::GetAtt": [ACCESS_LOG_GROUP_ID, "Arn"]},
                                 "Format": json.dumps(ACCESS_LOG_FIELDS, separators=(",", ":"))}
    props["MethodSettings"] = [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": ops.api_rate_limit,
                                "ThrottlingBurstLimit": ops.api_burst_limit}]


def log_groups(template: dict, stage: str, functions: list[Function], ops: StageOperations) -> None:
    resources = template["Resources"]
    for fn in functions:
        group_id = f"{fn.resource_id}LogGroup"
        resources[group_id] = {"Type": "AWS::Logs::LogGroup", "Properties": {
            "LogGroupName": fn.log_group_name(stage), "RetentionInDays": ops.log_retention_days}}
        resources[fn.resource_id]["Properties"].setdefault("LoggingConfig", {})["LogGroup"] = {"Ref": group_id}


def _widget(title: str, metrics: list[list], stat: str = "Sum") -> dict:
    return {"type": "metric", "width": 12, "height": 6, "properties": {
        "title": title, "region": "${AWS::Region}", "view": "timeSeries", "stat": stat, "period": PERIOD,
        "metrics": metrics}}


def _metric(namespace: str, name: str, dims: dict, **options) -> list:
    return [namespace, name, *[part for item in dims.items() for part in item], *([options] if options else [])]


def dashboard(stage: str, api_stage: str, functions: list[Function], table_prefix: str, service: str,
              provider: str) -> dict:
    api = {"ApiName": api_name(stage), "Stage": api_stage}
    # Function names are CloudFormation's: `${Resource}` in the body, which the template substitutes.
    by_function = {fn.name: {"FunctionName": f"${{{fn.resource_id}}}"} for fn in functions}
    throttles = [_metric("AWS/DynamoDB", name, dims) for spec in infra_model.tables()
                 for name, dims in table_throttle_metrics(f"{table_prefix}{spec.logical}", [])]
    widgets = [
        _widget("API requests and errors", [_metric("AWS/ApiGateway", name, api) for name in
                                            ("Count", "4XXError", "5XXError")]),
        _widget("API latency (ms)", [_metric("AWS/ApiGateway", "Latency", api, stat=stat) for stat in ("p50", "p95")],
                stat="p95"),
        _widget("Function errors", [_metric("AWS/Lambda", "Errors", dims, label=name)
                                    for name, dims in by_function.items()]),
        _widget("Function throttles", [_metric("AWS/Lambda", "Throttles", dims, label=name)
                                       for name, dims in by_function.items()]),
        _widget("Stream iterator age (ms)", [_metric("AWS/Lambda", "IteratorAge", by_function[fn.name], label=fn.name)
                                             for fn in functions if fn.kind == "stream"], stat="Maximum"),
        _widget("DynamoDB throttle events (tables)", throttles),
        _widget("Business", [_metric(METRIC_NAMESPACE, name, {"service": service}) for name in BUSINESS_METRICS]),
        _widget("SMS and parked records", [
            *[_metric(METRIC_NAMESPACE, name, {"service": service, "provider": provider})
              for name in ("SmsSent", "SmsFailed")],
            _metric(METRIC_NAMESPACE, "StreamRecordsParked", {"service": service})]),
    ]
    for at, widget in enumerate(widgets):
        widget["x"], widget["y"] = 12 * (at % 2), 6 * (at // 2)
    body = json.dumps({"widgets": widgets}, ensure_ascii=False, separators=(",", ":"))
    return {"Type": "AWS::CloudWatch::Dashboard", "Properties": {
        "DashboardName": api_name(stage), "DashboardBody": {"Fn::Sub": body}}}


def stage_alarms(stage: str, variables: dict[str, str], api_stage: str) -> dict[str, dict]:
    """Every alarm of the stage's packaged template, by resource id."""
    functions, prefix = stage_functions(variables), variables["TABLE_PREFIX"]
    alarms = Alarms(stage, prefix)
    function_alarms(alarms, functions)
    api_alarms(alarms, stage, api_stage)
    table_alarms(alarms, prefix)
    business_alarms(alarms, service_name(stage, variables), sms_provider(variables))
    return alarms.resources


def add_operations(template: dict, stage: str, variables: dict[str, str], api_stage: str, ops: StageOperations) -> dict:
    """Add the stage's operations to its packaged template (in place); returns the template."""
    functions = stage_functions(variables)
    check_functions(template, functions)
    log_groups(template, stage, functions, ops)
    access_logs(template, stage, api_stage, ops)
    template["Resources"].update(stage_alarms(stage, variables, api_stage))
    template["Resources"][DASHBOARD_ID] = dashboard(stage, api_stage, functions, variables["TABLE_PREFIX"],
                                                    service_name(stage, variables), sms_provider(variables))
    return template


def _metric_text(alarm: dict) -> str:
    if "Metrics" in alarm:
        names = {q["MetricStat"]["Metric"]["MetricName"] for q in alarm["Metrics"] if "MetricStat" in q}
        indexes = any(len(q["MetricStat"]["Metric"]["Dimensions"]) > 1 for q in alarm["Metrics"] if "MetricStat" in q)
        return f"AWS/DynamoDB {' + '.join(sorted(names))}" + (" (table and indexes)" if indexes else "")
    statistic = alarm.get("ExtendedStatistic") or alarm["Statistic"]
    return f"{alarm['Namespace']} {alarm['MetricName']} ({statistic})"


def _rows(alarms: list[dict], name: Callable[[object], str]) -> list[str]:
    return [f"| `{name(a['AlarmName'])}` | {_metric_text(a)} | {a['AlarmDescription']} |"
            for a in sorted(alarms, key=lambda a: str(a["AlarmName"]))]


def alarm_section() -> str:
    """The generated part of docs/deploy.md: every alarm of every stage, and of its other stacks."""
    config = stage_config.read_json(stage_config.CONFIG_PATH)
    per_stage, counts = None, []
    for stage in config["stages"]:
        alarms = list(stage_alarms(stage, stage_config.stage_variables(config, stage),
                                   config["stages"][stage].get("api_gateway_stage", "api")).values())
        rows = _rows([a["Properties"] for a in alarms], lambda n, s=stage: n.replace(f"-{s}-", "-<stage>-"))
        if per_stage not in (None, rows):
            raise SystemExit(f"error: stage {stage} has other alarms than the others: list them per stage")
        per_stage = rows
        counts.append(f"`{stage}` {len(rows)}")
    header = ["| alarm | metric | fires when |", "| --- | --- | --- |"]
    data = [r["Properties"] for r in infra_template.build_template()["Resources"].values()
            if r["Type"] == "AWS::CloudWatch::Alarm"]
    sms = [r["Properties"] for r in infra_template.sms_spend_template()["Resources"].values()
           if r["Type"] == "AWS::CloudWatch::Alarm"]
    return "\n".join([
        f"The packaged template of each stage ({', '.join(counts)} alarms), in the stage's region, notifying the "
        "data stack's topic `<prefix>alarms`:", "", *header, *per_stage, "",
        "The data stack (`infra/tables.yaml`), in the stage's region:", "", *header,
        *_rows(data, lambda n: n["Fn::Sub"].replace("${TablePrefix}", "<prefix>")), "",
        "The SMS spend stack `yce-api-<stage>-sms` (stages with `SMS_SENDER=sns`), in the region SNS sends from:",
        "", *header, *_rows(sms, lambda n: n["Fn::Sub"].replace("${AWS::StackName}", "yce-api-<stage>-sms")), ""])


def main(argv: list[str] | None = None) -> int:
    return generated_files.run(__doc__.splitlines()[0], "operations.py",
                               lambda: {DEPLOY_DOC: generated_files.with_section(DEPLOY_DOC, "alarms",
                                                                                 alarm_section())}, argv)


if __name__ == "__main__":
    sys.exit(main())
