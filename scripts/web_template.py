"""The web stack of a stage: the built H5 (web/dist) in a private bucket behind CloudFront, `/api/*` to the API.

One template per partition (infra/web-aws.yaml, infra/web-aws-cn.yaml), written by scripts/infra_template.py and
deployed by scripts/deploy_web.py after `chalice deploy` (the stack takes the REST API's id as a parameter).
The partitions differ where CloudFront in the China regions does: no origin access control (an origin access
identity reads the bucket), no *.cloudfront.cn domain to serve on (an ICP-filed alternate domain and an
IAM-uploaded certificate are required parameters), no ACM. Neither partition uses CloudFront Functions (China has
none): a path of the client's router (no dot in it) is answered by a small API Gateway API whose every path
returns index.html from the bucket, so the API's own 403/404 answers are never replaced by a custom error page.
"""
from __future__ import annotations

import infra_model

SHELL_STAGE = "web"         # the stage of the API that answers index.html for every client route
ASSETS_MAX_AGE = 31_536_000  # Vite names every file under assets/ by its content hash: a year, immutable
# CloudFront's managed policies (global partition): no caching; every viewer header but Host (API Gateway
# answers by its own host name), every cookie and query string.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_EXCEPT_HOST_HEADER = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]
TAGS = [{"Key": "app", "Value": infra_model.APP_NAME}]


VANT_ICON_FONT = "https://at.alicdn.com"   # Vant's icon CSS names it after its inline woff2 (browsers fetch it)


def content_security_policy() -> dict:
    """What the client loads (checked against a build in Chromium: nothing else is refused): its own scripts,
    styles and the API (same origin), Vant's icon font, the image bucket's presigned GETs and POST forms;
    inline styles (Vant, ECharts' tooltips). Framed by nobody."""
    images = "https://" + infra_model.uploads_bucket_name("${TablePrefix}", "${AWS::AccountId}", "${AWS::Region}") \
        + ".s3.${AWS::Region}.${AWS::URLSuffix}"
    return {"Fn::Sub": "; ".join([
        "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob: {images}", f"connect-src 'self' {images}",
        f"font-src 'self' data: {VANT_ICON_FONT}",
        "object-src 'none'", "base-uri 'self'", "form-action 'self'", "frame-ancestors 'none'"])}


def _parameters(china: bool) -> dict:
    label = r"[a-z0-9]([a-z0-9\-]*[a-z0-9])?"
    domain = {"Type": "String", "AllowedPattern": rf"^$|^{label}(\.{label})+$"}
    parameters = {
        "TablePrefix": {"Type": "String", "AllowedPattern": r"^[A-Za-z0-9_.\-]{1,80}$",
                        "Description": "TABLE_PREFIX of the stage (names; the image bucket in the CSP)"},
        "ApiId": {"Type": "String", "AllowedPattern": r"^[a-z0-9]{10}$",
                  "Description": "the REST API `chalice deploy` created (.chalice/deployed/<stage>.json)"},
    }
    if china:
        parameters["WebDomain"] = {
            **domain, "AllowedPattern": domain["AllowedPattern"].removeprefix("^$|"),
            "Description": "the ICP-filed domain the H5 is served on (CloudFront China serves no *.cloudfront.cn)"}
        parameters["WebCertificateId"] = {
            "Type": "String", "AllowedPattern": r"^[A-Z0-9]{21}$",
            "Description": "ServerCertificateId of its certificate, uploaded to IAM under /cloudfront/ (no ACM)"}
    else:
        parameters["WebDomain"] = {**domain, "Default": "",
                                   "Description": "optional alternate domain; empty: the *.cloudfront.net name"}
        parameters["WebCertificateArn"] = {
            "Type": "String", "Default": "", "AllowedPattern": r"^$|^arn:aws:acm:us-east-1:\d{12}:certificate/.+$",
            "Description": "ACM certificate (us-east-1) of WebDomain; required with it"}
    return parameters


def _bucket() -> dict:
    return {
        # Private: CloudFront reads it (origin access control / identity), the shell API reads index.html.
        "Type": "AWS::S3::Bucket", "DeletionPolicy": "Retain", "UpdateReplacePolicy": "Retain",
        "Properties": {
            "BucketName": {"Fn::Sub": "${TablePrefix}web-${AWS::AccountId}-${AWS::Region}"},
            "PublicAccessBlockConfiguration": {"BlockPublicAcls": True, "BlockPublicPolicy": True,
                                               "IgnorePublicAcls": True, "RestrictPublicBuckets": True},
            "OwnershipControls": {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
            "BucketEncryption": {"ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]},
            "Tags": TAGS,
        },
    }


def _bucket_policy(china: bool) -> dict:
    objects = {"Fn::Sub": "${WebBucket.Arn}/*"}
    if china:
        reader = {"Principal": {"CanonicalUser": {"Fn::GetAtt": ["WebOriginAccessIdentity", "S3CanonicalUserId"]}}}
    else:
        reader = {"Principal": {"Service": "cloudfront.amazonaws.com"}, "Condition": {"StringEquals": {
            "AWS:SourceArn": {"Fn::Sub": "arn:${AWS::Partition}:cloudfront::${AWS::AccountId}:distribution/"
                                         "${WebDistribution}"}}}}
    return {"Type": "AWS::S3::BucketPolicy", "Properties": {"Bucket": {"Ref": "WebBucket"}, "PolicyDocument": {
        "Version": "2012-10-17", "Statement": [
            {"Sid": "CloudFrontReads", "Effect": "Allow", "Action": "s3:GetObject", "Resource": objects, **reader},
            {"Sid": "TlsOnly", "Effect": "Deny", "Principal": "*", "Action": "s3:*",
             "Resource": [{"Fn::GetAtt": ["WebBucket", "Arn"]}, objects],
             "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
        ]}}}


def _origin_access(china: bool) -> dict:
    if china:   # AWS::CloudFront::OriginAccessControl does not exist in the China regions
        return {"WebOriginAccessIdentity": {"Type": "AWS::CloudFront::CloudFrontOriginAccessIdentity", "Properties": {
            "CloudFrontOriginAccessIdentityConfig": {"Comment": {"Fn::Sub": "${TablePrefix}web"}}}}}
    return {"WebOriginAccessControl": {"Type": "AWS::CloudFront::OriginAccessControl", "Properties": {
        "OriginAccessControlConfig": {"Name": {"Fn::Sub": "${TablePrefix}web-${AWS::Region}"},
                                      "OriginAccessControlOriginType": "s3", "SigningBehavior": "always",
                                      "SigningProtocol": "sigv4"}}}}


def _shell_api() -> dict:
    """GET any client route → index.html, read from the bucket with a role allowed that one object."""
    integration = {
        "Type": "AWS", "IntegrationHttpMethod": "GET", "PassthroughBehavior": "WHEN_NO_MATCH",
        "Uri": {"Fn::Sub": "arn:${AWS::Partition}:apigateway:${AWS::Region}:s3:path/${WebBucket}/index.html"},
        "Credentials": {"Fn::GetAtt": ["WebShellRole", "Arn"]},
        "IntegrationResponses": [{"StatusCode": "200", "ResponseParameters": {
            f"method.response.header.{name}": f"integration.response.header.{name}"
            for name in ("Content-Type", "Cache-Control", "ETag")}}],
    }
    method_responses = [{"StatusCode": "200", "ResponseParameters": {
        f"method.response.header.{name}": True for name in ("Content-Type", "Cache-Control", "ETag")}}]

    def method(resource: dict) -> dict:
        return {"Type": "AWS::ApiGateway::Method", "Properties": {
            "RestApiId": {"Ref": "WebShellApi"}, "ResourceId": resource, "HttpMethod": "ANY",   # HEAD too
            "AuthorizationType": "NONE", "Integration": integration, "MethodResponses": method_responses}}

    return {
        "WebShellApi": {"Type": "AWS::ApiGateway::RestApi", "Properties": {
            "Name": {"Fn::Sub": "${TablePrefix}web-shell"}, "EndpointConfiguration": {"Types": ["REGIONAL"]},
            "Description": "index.html for every route of the H5's router (CloudFront's default behaviour)"}},
        "WebShellProxy": {"Type": "AWS::ApiGateway::Resource", "Properties": {
            "RestApiId": {"Ref": "WebShellApi"}, "ParentId": {"Fn::GetAtt": ["WebShellApi", "RootResourceId"]},
            "PathPart": "{proxy+}"}},
        "WebShellRootMethod": method({"Fn::GetAtt": ["WebShellApi", "RootResourceId"]}),
        "WebShellProxyMethod": method({"Ref": "WebShellProxy"}),
        "WebShellDeployment": {"Type": "AWS::ApiGateway::Deployment",
                               "DependsOn": ["WebShellRootMethod", "WebShellProxyMethod"],
                               "Properties": {"RestApiId": {"Ref": "WebShellApi"}}},
        "WebShellStage": {"Type": "AWS::ApiGateway::Stage", "Properties": {
            "RestApiId": {"Ref": "WebShellApi"}, "DeploymentId": {"Ref": "WebShellDeployment"},
            "StageName": SHELL_STAGE, "Tags": TAGS}},
        "WebShellRole": {"Type": "AWS::IAM::Role", "Properties": {
            "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Principal": {"Service": "apigateway.amazonaws.com"}, "Action": "sts:AssumeRole"}]},
            "Policies": [{"PolicyName": "read-index-html", "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Effect": "Allow", "Action": "s3:GetObject",
                "Resource": {"Fn::Sub": "${WebBucket.Arn}/index.html"}}]}}],
            "Tags": TAGS}},
    }


def _policies(china: bool) -> dict:
    def cache_policy(name: str, comment: str, minimum: int, default: int, maximum: int) -> dict:
        compress = maximum > 0   # a policy that caches nothing may not name encodings
        return {"Type": "AWS::CloudFront::CachePolicy", "Properties": {"CachePolicyConfig": {
            "Name": {"Fn::Sub": f"${{TablePrefix}}{name}-${{AWS::Region}}"}, "Comment": comment,
            "MinTTL": minimum, "DefaultTTL": default, "MaxTTL": maximum,
            "ParametersInCacheKeyAndForwardedToOrigin": {
                "EnableAcceptEncodingGzip": compress, "EnableAcceptEncodingBrotli": compress,
                "HeadersConfig": {"HeaderBehavior": "none"}, "CookiesConfig": {"CookieBehavior": "none"},
                "QueryStringsConfig": {"QueryStringBehavior": "none"}}}}}

    resources = {
        "WebAssetsCachePolicy": cache_policy("web-assets", "hashed assets: kept a year", ASSETS_MAX_AGE,
                                             ASSETS_MAX_AGE, ASSETS_MAX_AGE),
        # MinTTL 0: index.html's `Cache-Control: no-cache` (scripts/web_files.py) is honoured, a deploy is seen.
        "WebFilesCachePolicy": cache_policy("web-files", "the origin's Cache-Control", 0, 0, ASSETS_MAX_AGE),
        "WebSecurityHeaders": {"Type": "AWS::CloudFront::ResponseHeadersPolicy", "Properties": {
            "ResponseHeadersPolicyConfig": {
                "Name": {"Fn::Sub": "${TablePrefix}web-security-${AWS::Region}"},
                "SecurityHeadersConfig": {
                    "StrictTransportSecurity": {"AccessControlMaxAgeSec": ASSETS_MAX_AGE, "IncludeSubdomains": False,
                                                "Override": True},
                    "ContentTypeOptions": {"Override": True},
                    "FrameOptions": {"FrameOption": "DENY", "Override": True},
                    "ReferrerPolicy": {"ReferrerPolicy": "strict-origin-when-cross-origin", "Override": True},
                    "ContentSecurityPolicy": {"ContentSecurityPolicy": content_security_policy(), "Override": True},
                }}}},
    }
    if china:   # the managed policies' equivalents, not assumed to exist in the China partition
        resources["WebApiCachePolicy"] = cache_policy("web-api", "no caching (as CachingDisabled)", 0, 0, 0)
        resources["WebApiOriginRequestPolicy"] = {"Type": "AWS::CloudFront::OriginRequestPolicy", "Properties": {
            "OriginRequestPolicyConfig": {
                "Name": {"Fn::Sub": "${TablePrefix}web-api-${AWS::Region}"},
                "Comment": "as AllViewerExceptHostHeader",
                "HeadersConfig": {"HeaderBehavior": "allExcept", "Headers": ["Host"]},
                "CookiesConfig": {"CookieBehavior": "all"}, "QueryStringsConfig": {"QueryStringBehavior": "all"}}}}
    return resources


def _distribution(china: bool) -> dict:
    bucket = {"Id": "web-bucket", "DomainName": {"Fn::GetAtt": ["WebBucket", "RegionalDomainName"]}}
    if china:
        bucket["S3OriginConfig"] = {"OriginAccessIdentity": {"Fn::Sub": "origin-access-identity/cloudfront/"
                                                                        "${WebOriginAccessIdentity}"}}
    else:
        bucket["S3OriginConfig"] = {"OriginAccessIdentity": ""}
        bucket["OriginAccessControlId"] = {"Ref": "WebOriginAccessControl"}

    def api_origin(origin_id: str, api: str, path: str = "") -> dict:
        domain = f"${{{api}}}.execute-api.${{AWS::Region}}.${{AWS::URLSuffix}}"
        origin = {"Id": origin_id, "DomainName": {"Fn::Sub": domain},
                  "CustomOriginConfig": {"OriginProtocolPolicy": "https-only", "OriginSSLProtocols": ["TLSv1.2"]}}
        return {**origin, "OriginPath": path} if path else origin

    def behaviour(origin: str, cache_policy: dict | str, viewer: str = "redirect-to-https", **extra) -> dict:
        return {"TargetOriginId": origin, "ViewerProtocolPolicy": viewer, "Compress": True,
                "CachePolicyId": cache_policy, "ResponseHeadersPolicyId": {"Ref": "WebSecurityHeaders"}, **extra}

    files, assets = {"Ref": "WebFilesCachePolicy"}, {"Ref": "WebAssetsCachePolicy"}
    api_policies = ({"CachePolicyId": {"Ref": "WebApiCachePolicy"},
                     "OriginRequestPolicyId": {"Ref": "WebApiOriginRequestPolicy"}} if china else
                    {"CachePolicyId": CACHING_DISABLED, "OriginRequestPolicyId": ALL_VIEWER_EXCEPT_HOST_HEADER})
    config: dict = {
        "Enabled": True, "Comment": {"Fn::Sub": "${TablePrefix}web: the H5 and /api/*"}, "HttpVersion": "http2",
        "Origins": [bucket, api_origin("web-shell", "WebShellApi", f"/{SHELL_STAGE}"), api_origin("api", "ApiId")],
        # A client route (no dot in the path) → index.html from the shell API.
        "DefaultCacheBehavior": behaviour("web-shell", files, AllowedMethods=["GET", "HEAD"]),
        "CacheBehaviors": [
            # The API's `api` stage is the /api prefix itself: the path goes to API Gateway unchanged.
            # https-only: a redirected POST would lose its body.
            {**behaviour("api", api_policies["CachePolicyId"], "https-only", AllowedMethods=ALL_METHODS),
             "PathPattern": "/api/*",
             "OriginRequestPolicyId": api_policies["OriginRequestPolicyId"]},
            {**behaviour("web-bucket", assets, AllowedMethods=["GET", "HEAD"]), "PathPattern": "/assets/*"},
            {**behaviour("web-bucket", files, AllowedMethods=["GET", "HEAD"]), "PathPattern": "/*.*"},
        ],
    }
    certificate = {"SslSupportMethod": "sni-only", "MinimumProtocolVersion": "TLSv1.2_2021"}
    if china:
        config["Aliases"] = [{"Ref": "WebDomain"}]
        config["ViewerCertificate"] = {"IamCertificateId": {"Ref": "WebCertificateId"}, **certificate}
    else:
        config["Aliases"] = {"Fn::If": ["HasWebDomain", [{"Ref": "WebDomain"}], {"Ref": "AWS::NoValue"}]}
        config["ViewerCertificate"] = {"Fn::If": ["HasWebDomain",
                                                  {"AcmCertificateArn": {"Ref": "WebCertificateArn"}, **certificate},
                                                  {"CloudFrontDefaultCertificate": True}]}
    distribution = {"Type": "AWS::CloudFront::Distribution", "Properties": {"DistributionConfig": config, "Tags": TAGS}}
    if not china:   # WebCertificateArn's default "" is never used: it is read only with a WebDomain (see Rules)
        distribution["Metadata"] = {"cfn-lint": {"config": {"ignore_checks": ["W1030"]}}}
    return {"WebDistribution": distribution}


def build_web_template(partition: str) -> dict:
    china = partition == "aws-cn"
    template: dict = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": f"yce-api web stack of one stage ({partition}): the H5 bucket, CloudFront with /api/* to "
                       "API Gateway",
        "Parameters": _parameters(china),
    }
    if not china:
        template["Conditions"] = {"HasWebDomain": {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebDomain"}, ""]}]}}
        template["Rules"] = {"CertificateWithDomain": {
            "RuleCondition": {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebDomain"}, ""]}]},
            "Assertions": [{"Assert": {"Fn::Not": [{"Fn::Equals": [{"Ref": "WebCertificateArn"}, ""]}]},
                            "AssertDescription": "WebDomain needs WebCertificateArn (ACM, us-east-1)"}]}}
    template["Resources"] = {"WebBucket": _bucket(), "WebBucketPolicy": _bucket_policy(china),
                             **_origin_access(china), **_shell_api(), **_policies(china), **_distribution(china)}
    template["Outputs"] = {
        "WebBucketName": {"Value": {"Ref": "WebBucket"}},
        "WebDistributionId": {"Value": {"Ref": "WebDistribution"}},
        "WebDistributionDomainName": {"Description": "the CNAME target of WebDomain",
                                      "Value": {"Fn::GetAtt": ["WebDistribution", "DomainName"]}},
    }
    return template
