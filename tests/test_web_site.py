"""The deployed H5 site: the web stack's templates (one per partition) and the step that publishes web/dist."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import boto3
import pytest
import yaml
from moto import mock_aws

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
import deploy_web  # noqa: E402
import infra_model  # noqa: E402
import infra_template  # noqa: E402
import stage_config  # noqa: E402
import web_template  # noqa: E402

REGION = "ap-east-1"
CONFIG = stage_config.read_json(stage_config.CONFIG_PATH)


def web_template_of(partition: str) -> dict:
    return yaml.safe_load(infra_template.web_template_path(partition).read_text(encoding="utf-8"))


def distribution(partition: str) -> dict:
    return web_template_of(partition)["Resources"]["WebDistribution"]["Properties"]["DistributionConfig"]


def behaviours(partition: str) -> dict[str, dict]:
    config = distribution(partition)
    return {"default": config["DefaultCacheBehavior"], **{b["PathPattern"]: b for b in config["CacheBehaviors"]}}


def origins(partition: str) -> dict[str, dict]:
    return {origin["Id"]: origin for origin in distribution(partition)["Origins"]}


# ---------------------------------------------------------------- the templates

@pytest.mark.parametrize("partition", ["aws", "aws-cn"])
def test_api_paths_go_to_the_api_stage_uncached_with_every_method_and_header_but_host(partition):
    api = behaviours(partition)["/api/*"]
    origin = origins(partition)[api["TargetOriginId"]]
    assert origin["DomainName"] == {"Fn::Sub": "${ApiId}.execute-api.${AWS::Region}.${AWS::URLSuffix}"}
    assert "OriginPath" not in origin   # the `api` stage is the /api prefix itself
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert sorted(api["AllowedMethods"]) == sorted(web_template.ALL_METHODS)
    assert api["ViewerProtocolPolicy"] == "https-only"
    if partition == "aws":
        assert (api["CachePolicyId"], api["OriginRequestPolicyId"]) == (
            web_template.CACHING_DISABLED, web_template.ALL_VIEWER_EXCEPT_HOST_HEADER)
    else:
        resources = web_template_of(partition)["Resources"]
        cache = resources[api["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
        assert (cache["MinTTL"], cache["DefaultTTL"], cache["MaxTTL"]) == (0, 0, 0)
        request = resources[api["OriginRequestPolicyId"]["Ref"]]["Properties"]["OriginRequestPolicyConfig"]
        assert request["HeadersConfig"] == {"HeaderBehavior": "allExcept", "Headers": ["Host"]}
        assert request["CookiesConfig"]["CookieBehavior"] == request["QueryStringsConfig"]["QueryStringBehavior"] \
            == "all"


@pytest.mark.parametrize("partition", ["aws", "aws-cn"])
def test_client_routes_get_index_html_and_files_come_from_the_private_bucket(partition):
    template = web_template_of(partition)
    resources, routes = template["Resources"], behaviours(partition)
    # A path of the client's router (no dot) → the shell API, whose every path answers the bucket's index.html.
    assert routes["default"]["TargetOriginId"] == "web-shell"
    assert origins(partition)["web-shell"]["OriginPath"] == f"/{web_template.SHELL_STAGE}"
    for method in ("WebShellRootMethod", "WebShellProxyMethod"):
        uri = resources[method]["Properties"]["Integration"]["Uri"]["Fn::Sub"]
        assert uri.endswith(":s3:path/${WebBucket}/index.html")
    [grant] = resources["WebShellRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
    assert (grant["Action"], grant["Resource"]) == ("s3:GetObject", {"Fn::Sub": "${WebBucket.Arn}/index.html"})
    # Files (a dot in the path) and the hashed assets: from the bucket, the assets cached for a year.
    assert routes["/assets/*"]["TargetOriginId"] == routes["/*.*"]["TargetOriginId"] == "web-bucket"
    assets = resources[routes["/assets/*"]["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    assert assets["MinTTL"] == assets["MaxTTL"] == web_template.ASSETS_MAX_AGE
    files = resources[routes["/*.*"]["CachePolicyId"]["Ref"]]["Properties"]["CachePolicyConfig"]
    assert files["MinTTL"] == 0   # index.html's no-cache is honoured
    bucket = resources["WebBucket"]
    assert bucket["Properties"]["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "BlockPublicPolicy": True, "IgnorePublicAcls": True, "RestrictPublicBuckets": True}
    [reads, tls] = resources["WebBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert reads["Action"] == "s3:GetObject" and tls["Effect"] == "Deny"
    if partition == "aws":   # origin access control, for this distribution only
        assert origins(partition)["web-bucket"]["OriginAccessControlId"] == {"Ref": "WebOriginAccessControl"}
        assert reads["Principal"] == {"Service": "cloudfront.amazonaws.com"}
        assert "${WebDistribution}" in reads["Condition"]["StringEquals"]["AWS:SourceArn"]["Fn::Sub"]
    else:   # no origin access control in the China regions: an origin access identity
        assert "WebOriginAccessControl" not in resources
        assert reads["Principal"]["CanonicalUser"] == {"Fn::GetAtt": ["WebOriginAccessIdentity", "S3CanonicalUserId"]}


@pytest.mark.parametrize("partition", ["aws", "aws-cn"])
def test_every_answer_carries_the_security_headers_and_a_csp_for_what_the_client_loads(partition):
    template = web_template_of(partition)
    assert all(b["ResponseHeadersPolicyId"] == {"Ref": "WebSecurityHeaders"} for b in behaviours(partition).values())
    headers = template["Resources"]["WebSecurityHeaders"]["Properties"]["ResponseHeadersPolicyConfig"][
        "SecurityHeadersConfig"]
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31_536_000
    assert headers["ContentTypeOptions"]["Override"] is True
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    csp = headers["ContentSecurityPolicy"]["ContentSecurityPolicy"]["Fn::Sub"]
    directives = dict(d.split(" ", 1) for d in csp.split("; "))
    assert directives["frame-ancestors"] == "'none'" and directives["script-src"] == "'self'"
    images = "https://" + infra_model.uploads_bucket_name("${TablePrefix}", "${AWS::AccountId}", "${AWS::Region}")
    assert images in directives["img-src"] and images in directives["connect-src"]   # presigned GETs, POST forms


def test_china_serves_only_on_an_icp_filed_domain_with_an_iam_certificate():
    template = web_template_of("aws-cn")
    parameters = template["Parameters"]
    assert "Default" not in parameters["WebDomain"] and "Default" not in parameters["WebCertificateId"]
    config = distribution("aws-cn")
    assert config["Aliases"] == [{"Ref": "WebDomain"}]
    assert config["ViewerCertificate"]["IamCertificateId"] == {"Ref": "WebCertificateId"}
    assert "CloudFrontDefaultCertificate" not in json.dumps(config)
    global_config = distribution("aws")
    assert global_config["ViewerCertificate"]["Fn::If"][2] == {"CloudFrontDefaultCertificate": True}


# ---------------------------------------------------------------- publishing web/dist

@pytest.fixture
def dist(tmp_path) -> Path:
    files = {"index.html": b"<!doctype html><title>t</title>", "assets/index-1a2b3c4d.js": b"console.log(1)",
             "assets/index-5e6f7a8b.css": b"a{}", "assets/logo-9c0d.svg": b"<svg/>", "favicon.ico": b"\x00\x01",
             "robots.txt": b"User-agent: *"}
    for name, body in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(body)
    return tmp_path


def test_the_build_is_uploaded_with_each_files_type_and_cache_headers_index_last(dist):
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="web", CreateBucketConfiguration={"LocationConstraint": REGION})
        sent = deploy_web.upload(s3, "web", dist)
        stored = {key: s3.head_object(Bucket="web", Key=key) for key in (item["Key"] for item in sent)}
        bodies = {key: s3.get_object(Bucket="web", Key=key)["Body"].read() for key in stored}

    keys = [item["Key"] for item in sent]
    assert keys[-1] == "index.html" and all(key.startswith("assets/") for key in keys[:3])
    assert bodies == {key: (dist / key).read_bytes() for key in keys}
    expected = {
        "index.html": ("text/html; charset=utf-8", "no-cache"),
        "assets/index-1a2b3c4d.js": ("text/javascript; charset=utf-8", "public, max-age=31536000, immutable"),
        "assets/index-5e6f7a8b.css": ("text/css; charset=utf-8", "public, max-age=31536000, immutable"),
        "assets/logo-9c0d.svg": ("image/svg+xml; charset=utf-8", "public, max-age=31536000, immutable"),
        "favicon.ico": ("image/vnd.microsoft.icon", "no-cache"),
        "robots.txt": ("text/plain; charset=utf-8", "no-cache"),
    }
    assert {key: (head["ContentType"], head["CacheControl"]) for key, head in stored.items()} == expected


def test_after_the_upload_only_index_html_is_invalidated():
    with mock_aws():
        cloudfront = boto3.client("cloudfront", region_name=REGION)
        distribution_id = cloudfront.create_distribution(DistributionConfig={
            "CallerReference": "test", "Comment": "", "Enabled": True,
            "Origins": {"Quantity": 1, "Items": [{"Id": "web-bucket", "DomainName": "web.s3.amazonaws.com",
                                                  "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
            "DefaultCacheBehavior": {"TargetOriginId": "web-bucket", "ViewerProtocolPolicy": "redirect-to-https",
                                     "CachePolicyId": web_template.CACHING_DISABLED}})["Distribution"]["Id"]
        invalidation = deploy_web.invalidate_entry(cloudfront, distribution_id)
        batch = cloudfront.get_invalidation(DistributionId=distribution_id, Id=invalidation)["Invalidation"][
            "InvalidationBatch"]
    assert batch["Paths"] == {"Quantity": 1, "Items": ["/index.html"]}


def test_nothing_is_published_without_a_built_client(tmp_path):
    with pytest.raises(SystemExit, match="index.html is missing"):
        deploy_web.files_in_order(tmp_path)


def test_china_refuses_to_deploy_the_site_without_the_icp_domain_and_its_iam_certificate():
    variables = stage_config.stage_variables(CONFIG, "prod-cn-north-1")
    with pytest.raises(SystemExit, match="ICP-filed domain"):
        deploy_web.stack_parameters(variables, "cn-north-1", "a1b2c3d4e5", None, None)
    given = deploy_web.stack_parameters(variables, "cn-north-1", "a1b2c3d4e5", "h5.example.cn", "ASCA1234567890ABCDEFG")
    assert {p["ParameterKey"]: p["ParameterValue"] for p in given} == {
        "TablePrefix": "yce-prod-", "ApiId": "a1b2c3d4e5", "WebDomain": "h5.example.cn",
        "WebCertificateId": "ASCA1234567890ABCDEFG"}
    elsewhere = deploy_web.stack_parameters(stage_config.stage_variables(CONFIG, "prod-ap-east-1"), REGION,
                                            "a1b2c3d4e5", None, None)
    assert [p["ParameterKey"] for p in elsewhere] == ["TablePrefix", "ApiId"]   # the *.cloudfront.net name


def test_the_api_id_is_the_functions_stacks_output(monkeypatch):
    def outputs(region, name):
        if name != "yce-api-dev":
            raise RuntimeError(f"Stack with id {name} does not exist")
        return {"RestAPIId": "k3x9q2w7e1", "EndpointURL": "https://k3x9q2w7e1.execute-api.cn-north-1.amazonaws.com.cn/api/"}

    monkeypatch.setattr(deploy_web, "stack_outputs", outputs)
    assert deploy_web.deployed_api_id("cn-north-1", "dev") == "k3x9q2w7e1"
    with pytest.raises(SystemExit, match="deploy the functions first"):
        deploy_web.deployed_api_id("ap-east-1", "prod-ap-east-1")


def test_a_dry_run_names_the_stack_its_parameters_and_every_file_and_changes_nothing(dist, capsys):
    assert deploy_web.main(["--stage", "prod-ap-east-1", "--region", REGION, "--api-id", "a1b2c3d4e5",
                            "--dist", str(dist), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would create or update stack yce-api-prod-ap-east-1-web in ap-east-1" in out
    assert '"ApiId": "a1b2c3d4e5"' in out
    assert "would upload assets/index-1a2b3c4d.js (text/javascript; charset=utf-8; public, max-age=31536000, " \
           "immutable)" in out
    assert out.index("would upload index.html") > out.index("would upload robots.txt")
    assert "would invalidate /index.html" in out
