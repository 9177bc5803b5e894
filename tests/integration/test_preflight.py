# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight play of playbooks/provision.yml refuses bad configurations before any AWS
call: for each case the run fails, its message names the variable, and the moto server (the
test double for AWS, started here) receives no request at all."""

import pytest

from provision_support import mutating, playbook

# Valid bots (the bot schema, plugins/module_utils/bot_model.py): each case changes one thing.
BBGO = {"name": "xmaker", "kind": "bbgo", "version": "v1.62.0", "sha256": "0123456789abcdef" * 4}
PY = {"name": "kis-breakout", "kind": "python", "version": "3.0.0", "package": "kis-bot==3.0.0",
      "command": "daily_breakout"}
# The bots of tests/fixtures/provision_bbgo.yml with every field the schema requires, so that each
# case below fails on its own change only (a case's own tradeops_bots, given after, wins).
BASE = {"tradeops_bots": [dict(BBGO, secrets=["itest/ci/binance"]),
                          dict(PY, instance_type="t4g.small", secrets=["itest/ci/kis"])]}

# id: (extra vars, text the failure message must contain)
CASES = {
    "vpc-cidr-invalid": ("network_vpc_cidr=10.0.0.0/33", "network_vpc_cidr"),
    "vpc-cidr-host-bits": ("network_vpc_cidr=10.0.0.1/16", "network_vpc_cidr"),
    "vpc-cidr-too-large": ("network_vpc_cidr=10.0.0.0/8", "network_vpc_cidr"),
    "subnet-outside-vpc": ("network_public_subnet_cidr=10.1.1.0/24", "network_public_subnet_cidr"),
    "subnet-not-a-cidr": ("network_public_subnet_cidr=10.0.1.0", "network_public_subnet_cidr"),
    "subnets-overlap": ({"network_private_subnet_cidrs": ["10.0.2.0/24", "10.0.2.128/25"]}, "overlap"),
    "subnet-duplicate": ({"network_private_subnet_cidrs": ["10.0.1.0/24", "10.0.3.0/24"]}, "overlap"),
    "one-private-subnet": ({"network_private_subnet_cidrs": ["10.0.2.0/24"]}, "network_private_subnet_cidrs"),
    "zones-of-another-region": ({"network_availability_zones": ["eu-west-1a", "eu-west-1b"]},
                                "network_availability_zones"),
    "unknown-region": ("tradeops_region=us-east-7", "tradeops_region"),
    "project-not-dns-safe": ("tradeops_project=Trade_Bot", "tradeops_project"),
    "admin-cidr-missing": ("tradeops_admin_cidr=", "tradeops_admin_cidr"),
    "admin-cidr-anywhere": ("tradeops_admin_cidr=0.0.0.0/0", "tradeops_admin_cidr"),
    "admin-cidr-too-wide": ("tradeops_admin_cidr=10.0.0.0/8", "tradeops_admin_cidr"),
    "admin-cidr-not-an-address": ("tradeops_admin_cidr=my.home.ip", "tradeops_admin_cidr"),
    "bbgo-with-postgresql": ("database_engine=aurora-postgresql", "database_engine"),
    "free-tier-with-aurora-engine": ({"database_profile": "free_tier", "database_engine": "aurora-mysql"},
                                     "database_engine"),
    "aurora-micro-class": ("database_instance_class=db.t3.micro", "database_instance_class"),
    "unknown-db-class": ("database_instance_class=db.t4g.mega", "database_instance_class"),
    "backup-retention-zero": ("database_backup_retention_days=0", "database_backup_retention_days"),
    "unknown-instance-type": ("instance_type=t3.mircro", "instance_type"),
    "unknown-instance-family": ({"tradeops_bots": [dict(BBGO, instance_type="t5.micro")]}, "instance_type"),
    "unknown-cache-node-type": ("cache_node_type=cache.t2.mega", "cache_node_type"),
    "architecture-mismatch": ({"instance_architecture": "x86_64",
                               "tradeops_bots": [dict(BBGO, instance_type="t4g.small")]}, "instance_architecture"),
    "duplicate-bot-names": ({"tradeops_bots": [BBGO, dict(PY, name="xmaker")]}, "duplicate"),
    "bot-name-not-dns-safe": ({"tradeops_bots": [dict(BBGO, name="X_Maker")]}, "tradeops_bots"),
    "unknown-bot-kind": ({"tradeops_bots": [dict(BBGO, kind="rust")]}, "kind must be one of"),
    "bot-without-name": ({"tradeops_bots": [{"kind": "bbgo"}]}, "tradeops_bots"),
    "bot-secret-bad-name": ({"tradeops_bots": [dict(BBGO, secrets=["my secret!"])]}, "tradeops_bots[].secrets"),
    # The bot schema (tradeops.aws.bot_model), one case per check.
    "bots-not-a-list": ({"tradeops_bots": "xmaker"}, "tradeops_bots must be a list"),
    "bot-not-a-mapping": ({"tradeops_bots": ["xmaker"]}, "tradeops_bots[0] must be a mapping"),
    "bot-unknown-field": ({"tradeops_bots": [dict(BBGO, pakage="x")]}, "did you mean 'package'?"),
    "bot-field-of-other-kind": ({"tradeops_bots": [dict(BBGO, schedule="daily")]},
                                "'schedule' is not a field of a bbgo bot"),
    "bot-missing-version": ({"tradeops_bots": [dict(PY, version="")]}, "missing field 'version'"),
    "python-bot-missing-package": ({"tradeops_bots": [{k: v for k, v in PY.items() if k != "package"}]},
                                   "missing field 'package'"),
    "bot-wrong-type": ({"tradeops_bots": [dict(BBGO, paper="yes")]}, "'paper' must be true or false"),
    "bot-name-too-long": ({"tradeops_bots": [dict(BBGO, name="x" * 33)]}, "Linux user name"),
    "bot-version-not-plain": ({"tradeops_bots": [dict(BBGO, version="v1/../x")]}, "not a plain release name"),
    "bot-schedule-invalid": ({"tradeops_bots": [dict(PY, schedule="Mon..Fri 25:00")]},
                             "is not a systemd calendar expression"),
    "bot-schedule-unknown-time-zone": ({"tradeops_bots": [dict(PY, schedule="Mon..Fri 09:00 Asia/Seul")]},
                                       "unknown time zone 'Asia/Seul'"),
    "bbgo-without-sha256": ({"tradeops_bots": [dict(BBGO, sha256="")]}, "a bbgo bot needs sha256"),
    "bbgo-sha256-not-hex": ({"tradeops_bots": [dict(BBGO, sha256="abc")]}, "exactly 64 hex digits"),
    "bbgo-artifact-url-without-sha256": ({"tradeops_bots": [dict(BBGO, sha256="", artifact_url="https://x/b.tgz")]},
                                         "artifact_url needs sha256"),
    "bot-dashboard-bad-port": ({"tradeops_bots": [dict(PY, dashboard={"command": "flask_app", "port": 80})]},
                               "dashboard port must be an integer 1024-65535"),
    "bot-secret-in-environment": ({"tradeops_bots": [dict(PY, environment={"KIS_APP_SECRET": "x"})]},
                                  "belongs in Secrets Manager: put it in a secret and list it under secrets"),
    "bot-secret-item-unknown-key": ({"tradeops_bots": [dict(BBGO, secrets=[{"name": "x/y", "prefx": "B_"}])]},
                                    "tradeops_bots[].secrets"),
    "bbgo-webserver-port-low": ({"tradeops_bots": [dict(BBGO, webserver_port=80)]}, "webserver_port must be"),
    "bot-instance-type-not-a-string": ({"tradeops_bots": [dict(BBGO, instance_type=3)]},
                                       "'instance_type' must be a string"),
    # tradeops_project + '-' + tradeops_environment ('ci') within the AWS name limits (naming.py).
    "name-limit-elasticache": ("tradeops_project=" + "a" * 38, "ElastiCache replication group id"),
    "name-limit-rds-snapshot": ("tradeops_project=" + "a" * 45, "RDS final snapshot identifier"),
    # project 35 + '-ci' fits every deployment-wide limit; its bot's role name (+ '-' + 30) does not
    "name-limit-iam-role": ({"tradeops_project": "a" * 35, "tradeops_bots": [dict(PY, name="b" * 30)]},
                            "IAM role name of bot " + "b" * 30),
    "serverless-acu-inverted": ({"database_profile": "serverless", "database_serverless_min_acu": 8,
                                 "database_serverless_max_acu": 2}, "database_serverless_min_acu"),
    "log-retention-not-accepted": ("monitoring_log_retention_days=45", "monitoring_log_retention_days"),
    "alarm-email-invalid": ("monitoring_alarm_email=ops-at-example", "monitoring_alarm_email"),
    "public-key-invalid": ("instance_public_key=not-a-key", "instance_public_key"),
    "secrets-admin-not-an-arn": ({"secrets_admin_principal_arns": ["admin"]}, "secrets_admin_principal_arns"),
    "secrets-admin-wildcard": ({"secrets_admin_principal_arns": ["arn:aws:iam::123456789012:role/ops*"]},
                               "secrets_admin_principal_arns"),
    "backup-plan-retention-zero": ("backup_plan_retention_days=0", "backup_plan_retention_days"),
    "backup-plan-completion-window-short": ({"backup_plan_completion_window_minutes": 90},
                                            "backup_plan_completion_window_minutes"),
}


@pytest.mark.parametrize("extra,expected", list(CASES.values()), ids=list(CASES))
def test_refused_before_any_aws_call(moto, extra, expected):
    moto.start_recording()
    run = playbook(moto, "provision.yml", BASE, extra)
    recorded = moto.stop_recording()
    assert run.rc != 0 and run.failed == 1, run.tail()
    assert "Preflight" in run.output.split("FAILED!")[0].rsplit("PLAY [", 1)[-1], run.tail()
    assert expected in run.output, run.tail()
    assert mutating(recorded) == [] and recorded == []


def test_the_test_deployment_passes_preflight(moto):
    """The same harness with the valid test deployment gets past the preflight play."""
    run = playbook(moto, "preflight.yml")
    assert run.rc == 0 and run.failed == 0, run.tail()


def test_a_mapping_secrets_item_passes_preflight(moto):
    """secrets items may be secrets_env mappings {name, prefix, keys, variable}, as the roles accept."""
    bots = [dict(BBGO, secrets=[{"name": "x/y", "prefix": "BINANCE_"}]), dict(PY, secrets=["itest/ci/kis"])]
    run = playbook(moto, "preflight.yml", {"tradeops_bots": bots})
    assert run.rc == 0 and run.failed == 0, run.tail()
