# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Scan the sandbox's AWS state with Prowler, a third-party AWS security scanner, and print
its failed findings by severity: the deployment's own resources apart from the account-level
checks and from what every account has (the default VPCs).

    make scan                      # the sandbox of group_vars/all.yml (moto on 127.0.0.1:4566)
    python scripts/scan.py --project tradebot --endpoint http://127.0.0.1:4566 [--list]

Prowler (PyPI, PROWLER_VERSION below) is installed into .cache/prowler/ on the first run; its
full report (JSON OCSF) is written to .cache/scan/. A scan reads the AWS API only. moto
answers most of what Prowler asks; a check whose API moto lacks is reported as an error by
Prowler and missing here, so a clean scan of the sandbox is necessary, not sufficient.
"""

import argparse
import collections
import glob
import json
import os
import subprocess
import sys

PROWLER_VERSION = "5.46.0"
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
VENV = os.path.join(ROOT, ".cache", "prowler")
OUT = os.path.join(ROOT, ".cache", "scan")
# The services a deployment uses (a full scan asks every service moto and AWS have).
SERVICES = ["ec2", "vpc", "iam", "rds", "elasticache", "secretsmanager", "kms", "cloudwatch", "sns",
            "ssm", "cloudtrail", "guardduty", "backup"]
SEVERITIES = ["critical", "high", "medium", "low", "informational"]


def prowler():
    binary = os.path.join(VENV, "bin", "prowler")
    if not os.path.exists(binary):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([os.path.join(VENV, "bin", "pip"), "install", "-q", "prowler==" + PROWLER_VERSION],
                       check=True)
    return binary


def scan(endpoint, region):
    os.makedirs(OUT, exist_ok=True)
    for old in glob.glob(os.path.join(OUT, "scan*")):
        os.unlink(old)
    env = dict(os.environ, AWS_ENDPOINT_URL=endpoint, AWS_ACCESS_KEY_ID="sandbox", AWS_SECRET_ACCESS_KEY="sandbox",
               AWS_DEFAULT_REGION=region, AWS_REGION=region)
    env.pop("AWS_PROFILE", None)
    subprocess.run([prowler(), "aws", "--no-banner", "--no-color", "--ignore-exit-code-3", "-f", region,
                    "-s"] + SERVICES + ["-M", "json-ocsf", "-o", OUT, "-F", "scan"],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(OUT, "scan.ocsf.json"), encoding="utf-8") as handle:
        return json.load(handle)


def deployment_vpcs(findings, project):
    """Ids of the VPCs whose findings name the project (its tags or names)."""
    ids = set()
    for finding in findings:
        for resource in finding.get("resources") or []:
            uid = resource.get("uid", "")
            if ":vpc/vpc-" in uid and project in json.dumps(resource):
                ids.add(uid.rsplit("/", 1)[1])
    return ids


def scope(finding, project, vpcs=()):
    """deployment (its resources, and what AWS made in its VPC: the default security group),
    account, or default (what AWS creates in every account: default VPCs, moto's AMI snapshots)."""
    resources = finding.get("resources") or [{}]
    text = json.dumps(resources)
    if project in text or any(vpc in text for vpc in vpcs):
        return "deployment"
    uid = resources[0].get("uid", "")
    if uid.endswith(":root") or ":account" in uid or uid.count(":") <= 4 or not uid.startswith("arn:"):
        return "account"
    return "default"


def deployment_project():
    """TRADEOPS_PROJECT, else tradeops_project of group_vars/all.yml (as the inventories find it)."""
    if os.environ.get("TRADEOPS_PROJECT"):
        return os.environ["TRADEOPS_PROJECT"]
    import yaml  # pylint: disable=import-outside-toplevel
    with open(os.path.join(ROOT, "group_vars", "all.yml"), encoding="utf-8") as handle:
        return (yaml.safe_load(handle) or {}).get("tradeops_project", "tradebot")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--project", default=deployment_project())
    parser.add_argument("--endpoint", default=os.environ.get("TRADEOPS_SANDBOX_AWS_URL", "http://127.0.0.1:4566"))
    parser.add_argument("--region", default=os.environ.get("AWS_REGION", "us-east-1"))
    parser.add_argument("--list", action="store_true", help="list each failed check of the deployment")
    args = parser.parse_args()
    everything = scan(args.endpoint, args.region)
    vpcs = deployment_vpcs(everything, args.project)
    findings = [f for f in everything if f.get("status_code") == "FAIL"]
    counts = collections.defaultdict(collections.Counter)
    checks = collections.defaultdict(set)
    for finding in findings:
        where = scope(finding, args.project, vpcs)
        severity = (finding.get("severity") or "unknown").lower()
        counts[where][severity] += 1
        checks[where].add((SEVERITIES.index(severity) if severity in SEVERITIES else 9, severity,
                           finding.get("metadata", {}).get("event_code", "?")))
    print("Prowler %s, failed findings by severity (%s, region %s)" % (PROWLER_VERSION, args.endpoint, args.region))
    print("%-12s %s" % ("scope", " ".join("%13s" % s for s in SEVERITIES)))
    for where in ("deployment", "account", "default"):
        print("%-12s %s" % (where, " ".join("%13d" % counts[where][s] for s in SEVERITIES)))
    if args.list:
        for where in ("deployment", "account"):
            print("\n%s checks that failed:" % where)
            for _rank, severity, check in sorted(checks[where]):
                print("  %-13s %s" % (severity, check))
    return 0


if __name__ == "__main__":
    sys.exit(main())
