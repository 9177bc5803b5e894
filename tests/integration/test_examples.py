# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The example deployments of examples/deployments/, each in a sandbox of its own, as a user
runs them: `ansible-playbook site.yml -e @examples/deployments/<file>` (no other flag, no
environment variable), then again (changed=0), then teardown (nothing tagged is left).
Each step asserts on what the AWS API (moto, the test double for AWS) and the host show.

Needs a Docker engine, the local/debian-systemd:bookworm image (`make images`) and, for the
BBGO examples, the BBGO test double's release (`make bbgo-double`).
Figures (wall times, the printed cost) are printed, not asserted.
"""

import json
import os
import re

import pytest

from sandbox_support import REPO, Sandbox, changed, need_docker

FIGURES = {}
COST = re.compile(r"cost: monthly_usd=(\S+) legacy_free_tier_usd=(\S+)")


def example(name):
    return Sandbox(os.path.join(REPO, "examples", "deployments", name))


def deploy(sandbox):
    """site.yml twice; returns the first run's output."""
    need_docker()
    sandbox.down()
    rc, out, took = sandbox.playbook("site.yml")
    figures = FIGURES.setdefault(sandbox.project, {})
    figures["site_cold_s"] = round(took, 1)
    cost = COST.search(out)
    figures["monthly_usd"], figures["legacy_free_tier_usd"] = cost.groups() if cost else (None, None)
    return out


def second_run(sandbox):
    rc, out, took = sandbox.playbook("site.yml")
    FIGURES[sandbox.project]["site_rerun_s"] = round(took, 1)
    return out


def teardown(sandbox):
    rc, out, took = sandbox.playbook("playbooks/teardown.yml", "-e", "confirm_teardown=" + sandbox.project)
    FIGURES[sandbox.project]["teardown_s"] = round(took, 1)
    return out


def report():
    print("\nFIGURES " + json.dumps(FIGURES, sort_keys=True))


def assert_cost_first(out):
    """The cost is printed by the preflight play, before the first play that calls AWS."""
    cost = COST.search(out)
    assert cost, out[-3000:]
    assert cost.start() < out.index("PLAY [Provision the AWS resources]")


def assert_nothing_tagged(sandbox):
    ec2 = sandbox.aws("ec2")
    live = [i["InstanceId"] for r in ec2.describe_instances(
        Filters=[{"Name": "tag:Project", "Values": [sandbox.project]}])["Reservations"]
        for i in r["Instances"] if i["State"]["Name"] not in ("terminated", "shutting-down")]
    assert live == []
    assert ec2.describe_vpcs(Filters=[{"Name": "tag:Project", "Values": [sandbox.project]}])["Vpcs"] == []
    # What the tagging API still lists, less what is on its way out: terminated instances (listed
    # a while, as on AWS), the KMS key and secrets scheduled for deletion (their recovery windows),
    # and a replication group moto leaves "deleting" for ever (a moto gap, DESIGN.md).
    left = [arn for arn in sandbox.tagged() if not being_deleted(sandbox, arn)]
    # prod keeps its final DB snapshot (DESIGN: deletion protection and a final snapshot in prod).
    if sandbox.environment == "prod":
        snapshots = [arn for arn in left if ":snapshot:" in arn or ":cluster-snapshot:" in arn]
        # ... and the KMS key that encrypts it, kept while the snapshot remains (teardown says so)
        left = [arn for arn in left if arn not in snapshots and not (snapshots and ":key/" in arn)]
    assert left == [], left


def being_deleted(sandbox, arn):
    """Whether the AWS API shows the resource as terminated or scheduled for deletion."""
    if ":instance/" in arn:
        return True
    if ":key/" in arn:
        return sandbox.aws("kms").describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    if ":secretsmanager:" in arn:
        return "DeletedDate" in sandbox.aws("secretsmanager").describe_secret(SecretId=arn)
    if ":replicationgroup:" in arn:
        groups = sandbox.aws("elasticache").describe_replication_groups(
            ReplicationGroupId=arn.rsplit(":", 1)[1])["ReplicationGroups"]
        return all(group["Status"] == "deleting" for group in groups)
    return False


# --- seed 003: a scheduled Python bot in Seoul, no database, no cache, no NAT -----------------

SEED_003 = example("seed-003-kis-timer.yml")


@pytest.fixture(scope="module")
def seed_003():
    out = deploy(SEED_003)
    yield out
    SEED_003.down()


def test_seed_003_deploys_with_its_timer(seed_003):
    assert_cost_first(seed_003)
    assert "1 bot(s), 1 healthy" in seed_003
    timer = SEED_003.unit("kis-breakout.timer", "ActiveState", "NextElapseUSecRealtime")
    assert timer["ActiveState"] == "active", timer
    # Mon..Fri 09:00 Asia/Seoul is 00:00 UTC on a weekday.
    assert re.match(r"^(Mon|Tue|Wed|Thu|Fri) \d{4}-\d\d-\d\d 00:00:00 UTC$", timer["NextElapseUSecRealtime"]), timer
    # One run by hand: the oneshot service runs the bot to completion.
    SEED_003.on_host("systemctl", "start", "kis-breakout.service")
    run = SEED_003.unit("kis-breakout.service", "Result", "ExecMainStatus")
    assert run == {"Result": "success", "ExecMainStatus": "0"}, run
    dashboard = SEED_003.unit("kis-breakout-dashboard.service", "ActiveState")
    assert dashboard["ActiveState"] == "active"


def test_seed_003_has_no_data_services_and_no_private_network(seed_003):
    assert SEED_003.aws("rds").describe_db_instances()["DBInstances"] == []
    assert SEED_003.aws("rds").describe_db_clusters()["DBClusters"] == []
    assert SEED_003.aws("elasticache").describe_replication_groups()["ReplicationGroups"] == []
    ec2 = SEED_003.aws("ec2")
    project = [{"Name": "tag:Project", "Values": [SEED_003.project]}]
    assert ec2.describe_nat_gateways(Filter=project)["NatGateways"] == []
    subnets = ec2.describe_subnets(Filters=project)["Subnets"]
    assert len(subnets) == 1 and subnets[0]["AvailabilityZone"] == "ap-northeast-2a", subnets
    assert subnets[0]["MapPublicIpOnLaunch"] is False
    secrets = [s["Name"] for s in SEED_003.aws("secretsmanager").list_secrets()["SecretList"]]
    assert secrets == ["kis/demo/kis-keys"], secrets


def test_seed_003_second_run_changes_nothing(seed_003):
    out = second_run(SEED_003)
    assert set(changed(out).values()) == {0}, out[-4000:]


def test_seed_003_teardown_leaves_nothing(seed_003):
    teardown(SEED_003)
    assert_nothing_tagged(SEED_003)
    report()


# --- seed 000: BBGO XMaker on Aurora MySQL and Redis ------------------------------------------

SEED_000 = example("seed-000-bbgo-xmaker.yml")


@pytest.fixture(scope="module")
def seed_000():
    sandbox = SEED_000
    bbgo = os.path.join(REPO, ".cache", "bbgo-double", "bbgo-slim-v1.62.0-linux-amd64.tar.gz")
    if not os.path.exists(bbgo):
        pytest.fail("the BBGO test double is not built: run `make bbgo-double` (make integration does)")
    out = deploy(sandbox)
    yield sandbox, out
    sandbox.down()


def test_seed_000_deploys_healthy_with_its_data_services(seed_000):
    sandbox, out = seed_000
    assert_cost_first(out)
    assert "1 bot(s), 1 healthy" in out
    assert sandbox.unit("bbgo-xmaker.service", "ActiveState")["ActiveState"] == "active"
    [cluster] = sandbox.aws("rds").describe_db_clusters()["DBClusters"]
    assert cluster["Engine"] == "aurora-mysql", cluster
    [group] = sandbox.aws("elasticache").describe_replication_groups()["ReplicationGroups"]
    assert group["TransitEncryptionEnabled"] and group["AuthTokenEnabled"], group
    # BBGO reaches Redis (TLS + AUTH) through its local TLS tunnel.
    assert sandbox.unit("stunnel-xmaker.service", "ActiveState")["ActiveState"] == "active"


def test_seed_000_second_run_changes_nothing(seed_000):
    sandbox = seed_000[0]
    out = second_run(sandbox)
    assert set(changed(out).values()) == {0}, out[-4000:]


def test_seed_000_teardown_leaves_nothing(seed_000):
    sandbox = seed_000[0]
    teardown(sandbox)
    assert_nothing_tagged(sandbox)
    report()


# --- seed 000, free tier: the same bot on an RDS micro instance -----------------------------
# Its hosts and units are those of seed-000-bbgo-xmaker.yml (tested above in the sandbox); what
# differs is what is provisioned, so it is provisioned against an in-process moto and read back.


def test_seed_000_free_tier_provisions_rds_micro_not_aurora(tmp_path):
    from provision_support import Moto, playbook  # pylint: disable=import-outside-toplevel

    moto = Moto(tmp_path)
    try:
        vars_file = os.path.join(REPO, "examples", "deployments", "seed-000-free-tier.yml")
        key = "instance_private_key_file=%s/free.pem" % tmp_path
        first = playbook(moto, "provision.yml", key, "@" + vars_file, fixture=None)
        assert first.rc == 0 and first.failed == 0, first.tail()
        assert_cost_first(first.output)
        rds = moto.client("rds")
        [db] = rds.describe_db_instances()["DBInstances"]
        assert (db["Engine"], db["DBInstanceClass"], db["AllocatedStorage"]) == ("mysql", "db.t4g.micro", 20), db
        assert not db["MultiAZ"] and not db["PubliclyAccessible"]
        assert rds.describe_db_clusters()["DBClusters"] == []
        [group] = moto.client("elasticache").describe_replication_groups()["ReplicationGroups"]
        assert group["CacheNodeType"] == "cache.t3.micro"
        [reservation] = moto.client("ec2").describe_instances(
            Filters=[{"Name": "tag:Project", "Values": ["xmaker-free"]}])["Reservations"]
        assert reservation["Instances"][0]["InstanceType"] == "t2.micro"
        second = playbook(moto, "provision.yml", key, "@" + vars_file, fixture=None)
        assert second.rc == 0 and second.changed == 0, second.tail()
    finally:
        moto.stop()


def test_serverless_profile_provisions_aurora_serverless_v2(tmp_path):
    """The third database profile, on the seed-000 bot: an Aurora Serverless v2 cluster."""
    from provision_support import Moto, playbook  # pylint: disable=import-outside-toplevel

    moto = Moto(tmp_path)
    try:
        vars_file = os.path.join(REPO, "examples", "deployments", "seed-000-free-tier.yml")
        run = playbook(moto, "provision.yml", "instance_private_key_file=%s/sls.pem" % tmp_path, "@" + vars_file,
                       "database_profile=serverless", "database_serverless_max_acu=4", fixture=None)
        assert run.rc == 0 and run.failed == 0, run.tail()
        rds = moto.client("rds")
        [cluster] = rds.describe_db_clusters()["DBClusters"]
        assert cluster["Engine"] == "aurora-mysql"
        assert cluster["ServerlessV2ScalingConfiguration"] == {"MinCapacity": 0.5, "MaxCapacity": 4.0}, cluster
        [writer] = rds.describe_db_instances()["DBInstances"]
        assert writer["DBInstanceClass"] == "db.serverless"
    finally:
        moto.stop()
