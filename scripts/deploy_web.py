#!/usr/bin/env python3
"""Deploy a stage's web stack (infra/web-<partition>.yaml) and publish the built H5 to it (never shipped).

    .venv/bin/python scripts/deploy_web.py --stage prod-ap-east-1 --region ap-east-1 [--domain D --certificate C]
    .venv/bin/python scripts/deploy_web.py --stage prod-cn-north-1 --region cn-north-1 --domain D --certificate ID
    .venv/bin/python scripts/deploy_web.py --stage STAGE --region REGION --files-only     # a new build, same stack

Runs after the functions stack `yce-api-<stage>` (docs/deploy.md): the stack `yce-api-<stage>-web` takes the
REST API's id from that stack's `RestAPIId` output (or --api-id), routes `/api/*` to its `api` stage
and serves web/dist from a private bucket. Then uploads web/dist with each file's Content-Type and
Cache-Control (scripts/web_files.py), the hashed assets first and index.html last (a client never gets an
index naming a file not there yet), and invalidates /index.html. Files of earlier builds stay: a page
loaded before the deploy keeps its chunks.
In the China regions CloudFront serves only on an ICP-filed domain with a certificate uploaded to IAM
(docs/deploy.md, "The H5 site"): --domain and --certificate (the ServerCertificateId) are required there.
--dry-run prints what would be sent and uploaded and changes nothing.
"""
from __future__ import annotations

import argparse
import sys
import uuid
from pathlib import Path

import deploy_infra
import infra_model
import infra_template
import stage_config
import web_files

ROOT = Path(__file__).resolve().parent.parent
DIST = ROOT / "web" / "dist"
ENTRY = "index.html"


def stack_name(stage: str) -> str:
    return f"{infra_model.APP_NAME}-{stage}-web"


def deployed_api_id(region: str, stage: str) -> str:
    """The REST API of the stage's functions stack (`yce-api-<stage>`, deployed from scripts/package.py's sam.json)."""
    name = f"{infra_model.APP_NAME}-{stage}"
    try:
        outputs = stack_outputs(region, name)
    except Exception as exc:   # botocore's ClientError: the stack does not exist (yet)
        raise SystemExit(f"error: cannot read the outputs of {name} in {region} ({exc}): deploy the functions "
                         "first (docs/deploy.md), or give --api-id") from exc
    if "RestAPIId" not in outputs:
        raise SystemExit(f"error: {name} has no RestAPIId output")
    return outputs["RestAPIId"]


def stack_parameters(variables: dict[str, str], region: str, api_id: str, domain: str | None,
                     certificate: str | None) -> list[dict]:
    values = {"TablePrefix": variables["TABLE_PREFIX"], "ApiId": api_id}
    if infra_model.partition_for(region) == "aws-cn":
        if not (domain and certificate):
            raise SystemExit("error: CloudFront in the China regions serves only on an ICP-filed domain with a "
                             "certificate uploaded to IAM: give --domain and --certificate (docs/deploy.md)")
        values.update(WebDomain=domain, WebCertificateId=certificate)
    elif domain or certificate:
        if not (domain and certificate):
            raise SystemExit("error: --domain and --certificate (an ACM certificate in us-east-1) go together")
        values.update(WebDomain=domain, WebCertificateArn=certificate)
    return [{"ParameterKey": key, "ParameterValue": value} for key, value in values.items()]


def files_in_order(dist: Path) -> list[str]:
    """The keys to upload: the hashed assets, then every other file, index.html last."""
    if not (dist / ENTRY).is_file():
        raise SystemExit(f"error: {dist}/{ENTRY} is missing: build the client first (make web/dist/index.html)")
    keys = sorted(path.relative_to(dist).as_posix() for path in dist.rglob("*") if path.is_file())
    return sorted(keys, key=lambda key: (key == ENTRY, not key.startswith("assets/"), key))


def upload(s3, bucket: str, dist: Path, dry_run: bool = False) -> list[dict]:
    """Put every file of `dist` with its Content-Type and Cache-Control; returns what was (or would be) put."""
    sent = []
    for key in files_in_order(dist):
        headers = {"ContentType": web_files.content_type(key), "CacheControl": web_files.cache_control(key)}
        if not dry_run:
            s3.put_object(Bucket=bucket, Key=key, Body=(dist / key).read_bytes(), **headers)
        sent.append({"Key": key, **headers})
    return sent


def invalidate_entry(cloudfront, distribution_id: str) -> str:
    """Drop index.html from the edge caches (the assets' names change with their content)."""
    answer = cloudfront.create_invalidation(DistributionId=distribution_id, InvalidationBatch={
        "Paths": {"Quantity": 1, "Items": [f"/{ENTRY}"]}, "CallerReference": uuid.uuid4().hex})
    return answer["Invalidation"]["Id"]


def stack_outputs(region: str, name: str) -> dict[str, str]:
    import boto3

    cloudformation = boto3.client("cloudformation", region_name=region)
    return deploy_infra.parse_outputs(cloudformation.describe_stacks(StackName=name))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", required=True)
    parser.add_argument("--region", required=True)
    parser.add_argument("--api-id", help="the REST API id (default: the functions stack's RestAPIId output)")
    parser.add_argument("--domain", help="alternate domain name (required in the China regions: ICP-filed)")
    parser.add_argument("--certificate", help="its certificate: IAM ServerCertificateId in China, ACM ARN elsewhere")
    parser.add_argument("--dist", type=Path, default=DIST, help="the built client (default web/dist)")
    parser.add_argument("--files-only", action="store_true", help="upload and invalidate; leave the stack as is")
    parser.add_argument("--dry-run", action="store_true", help="print what would happen, change nothing")
    args = parser.parse_args(argv)

    deploy_infra.check_region(stage_config.read_json(stage_config.STAGES_PATH), args.stage, args.region)
    variables = stage_config.stage_variables(stage_config.read_json(stage_config.CONFIG_PATH), args.stage)
    files_in_order(args.dist)   # refuse before touching the stack when there is nothing to publish
    name = stack_name(args.stage)
    if args.files_only:
        outputs = None if args.dry_run else stack_outputs(args.region, name)
    else:
        parameters = stack_parameters(variables, args.region, args.api_id or deployed_api_id(args.region, args.stage),
                                      args.domain, args.certificate)
        template = deploy_infra.load_template(infra_template.web_template_path(infra_model.partition_for(args.region)))
        outputs = deploy_infra.deploy_stack(args.region, name, parameters, args.dry_run, template,
                                            capabilities=("CAPABILITY_IAM",))
    if outputs is None:
        for item in upload(None, "<web bucket>", args.dist, dry_run=True):
            print(f"would upload {item['Key']} ({item['ContentType']}; {item['CacheControl']})")
        print(f"would invalidate /{ENTRY}")
        return 0
    import boto3

    sent = upload(boto3.client("s3", region_name=args.region), outputs["WebBucketName"], args.dist)
    print(f"uploaded {len(sent)} files to {outputs['WebBucketName']}")
    invalidation = invalidate_entry(boto3.client("cloudfront", region_name=args.region), outputs["WebDistributionId"])
    print(f"invalidating /{ENTRY} ({invalidation}); the site: https://"
          + (args.domain or outputs["WebDistributionDomainName"]))
    return 0


if __name__ == "__main__":
    sys.exit(main(argv=None))
