# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tradeops.aws.elasticache_replication_group against moto in-process.

Where moto lacks an ElastiCache behaviour, the test supplies it and says so:
* moto creates no cache clusters for a replication group's members (and its cache clusters
  carry no SecurityGroups), so tests that need the engine version, subnet group or security
  groups answer DescribeCacheClusters for the primary as ElastiCache would;
* moto's ModifyReplicationGroup ignores EngineVersion and SecurityGroupIds, and it has no
  IncreaseReplicaCount/DecreaseReplicaCount: those requests are recorded (and the latter
  answered) by a botocore event handler, and the test checks the request;
* moto never finishes deleting a group (it stays "deleting"): the test removes it from the
  backend to stand for the deletion finishing.
"""

import botocore.exceptions
from botocore.awsrequest import AWSResponse
import boto3
import pytest
from moto import mock_aws
from moto.core import DEFAULT_ACCOUNT_ID
from moto.elasticache.models import elasticache_backends

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.tradeops.aws.plugins.modules import elasticache_replication_group as erg

TOKEN = "Abcdefgh12345678!&#$^<>-"
GID = "tradebot-prod"


@pytest.fixture
def aws(aws_env):
    # moto does not check that the subnet group and security groups exist (ElastiCache does),
    # so none are created: EC2 in moto costs seconds per test.
    with mock_aws():
        ec = boto3.client("elasticache", region_name="us-east-1")
        yield dict(ec=ec, sg="sg-0123456789abcdef0", sg2="sg-0fedcba9876543210")


@pytest.fixture
def calls(monkeypatch):
    """Record the requests the module sends; optionally answer or fail some of them."""
    recorded = []
    answers = {}
    failures = {}
    original = AnsibleAWSModule.client

    def client(self, service, retry_decorator=None, **kwargs):
        wrapped = original(self, service, retry_decorator=retry_decorator, **kwargs)

        def record(model, params, **kw):
            recorded.append((model.name, dict(params)))

        def before_call(model, params, **kw):
            if model.name in failures:
                code = failures[model.name]
                raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "%s from AWS" % code}}, model.name)
            if model.name in answers:
                return AWSResponse(None, 200, {}, None), answers[model.name](recorded[-1][1])
            return None

        wrapped.client.meta.events.register("provide-client-params.elasticache.*", record)
        wrapped.client.meta.events.register("before-call.elasticache.*", before_call)
        return wrapped

    monkeypatch.setattr(AnsibleAWSModule, "client", client)

    class Calls:
        def named(self, name):
            return [p for n, p in recorded if n == name]

    c = Calls()
    c.answers = answers
    c.failures = failures
    return c


def backend():
    return elasticache_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]


def args(aws, **extra):
    a = dict(
        replication_group_id=GID,
        description="tradebot prod cache",
        region="us-east-1",
        cache_subnet_group="cache-net",
        security_group_ids=[aws["sg"]],
        auth_token=TOKEN,
        tags=dict(Project="tradebot", Environment="prod"),
        wait_delay=1,
    )
    a.update(extra)
    return a


def add_primary_cluster(aws, calls, version="7.1.0", sgs=None, subnet_group="cache-net"):
    """Answer DescribeCacheClusters for the primary as ElastiCache would (moto has no member
    clusters, and its cache clusters carry no SecurityGroups)."""

    def answer(params):
        assert params["CacheClusterId"] == GID + "-001"
        return {
            "CacheClusters": [
                {
                    "CacheClusterId": GID + "-001",
                    "ReplicationGroupId": GID,
                    "Engine": "redis",
                    "EngineVersion": version,
                    "CacheSubnetGroupName": subnet_group,
                    "SecurityGroups": [{"SecurityGroupId": g, "Status": "active"} for g in (sgs or [aws["sg"]])],
                }
            ]
        }

    calls.answers["DescribeCacheClusters"] = answer


@pytest.fixture
def fake_clock(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(erg.time, "monotonic", lambda: now[0])
    monkeypatch.setattr(erg.time, "sleep", lambda s: now.__setitem__(0, now[0] + s))
    return now


def test_create_with_tls_at_rest_and_auth(run_module, aws, calls):
    result, failed = run_module(erg.main, args(aws), diff=True)
    assert not failed, result
    assert result["changed"] is True
    group = aws["ec"].describe_replication_groups(ReplicationGroupId=GID)["ReplicationGroups"][0]
    assert group["TransitEncryptionEnabled"] and group["AtRestEncryptionEnabled"] and group["AuthTokenEnabled"]
    assert group["Status"] == "available"
    primary = group["NodeGroups"][0]["PrimaryEndpoint"]
    assert result["endpoint"] == {"address": primary["Address"], "port": 6379}
    assert result["replication_group"]["replication_group_id"] == GID
    assert result["replication_group"]["tags"] == {"Project": "tradebot", "Environment": "prod"}
    tags = aws["ec"].list_tags_for_resource(ResourceName=group["ARN"])["TagList"]
    assert {t["Key"]: t["Value"] for t in tags} == {"Project": "tradebot", "Environment": "prod"}
    create = calls.named("CreateReplicationGroup")[0]
    assert create["CacheSubnetGroupName"] == "cache-net" and create["SecurityGroupIds"] == [aws["sg"]]
    assert create["EngineVersion"] == "7.1" and create["Port"] == 6379
    assert create["AutomaticFailoverEnabled"] is False and create["NumCacheClusters"] == 1
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["node_type"] == "cache.t3.micro"
    assert TOKEN not in str(result)


def test_second_run_is_a_noop(run_module, aws, calls):
    run_module(erg.main, args(aws))
    add_primary_cluster(aws, calls)
    result, failed = run_module(erg.main, args(aws), diff=True)
    assert not failed, result
    assert result["changed"] is False and result["changes"] == []
    assert calls.named("ModifyReplicationGroup") == []
    assert result["replication_group"]["engine_version"] == "7.1.0"
    assert result["diff"]["before"] == result["diff"]["after"]


def test_update_node_type_description_and_tags(run_module, aws, calls):
    run_module(erg.main, args(aws))
    result, failed = run_module(
        erg.main, args(aws, node_type="cache.t3.small", description="new", tags=dict(Project="tradebot")), diff=True
    )
    assert not failed, result
    assert result["changed"] is True
    assert result["changes"] == ["description", "node_type", "tags"]
    group = aws["ec"].describe_replication_groups(ReplicationGroupId=GID)["ReplicationGroups"][0]
    assert group["CacheNodeType"] == "cache.t3.small" and group["Description"] == "new"
    tags = aws["ec"].list_tags_for_resource(ResourceName=group["ARN"])["TagList"]
    assert tags == [{"Key": "Project", "Value": "tradebot"}]
    assert result["diff"]["before"]["node_type"] == "cache.t3.micro"
    assert result["diff"]["after"]["node_type"] == "cache.t3.small"
    # keep the other tags when purge_tags is false
    result, failed = run_module(erg.main, args(aws, node_type="cache.t3.small", description="new", tags=dict(A="1"), purge_tags=False))
    tags = aws["ec"].list_tags_for_resource(ResourceName=group["ARN"])["TagList"]
    assert {t["Key"] for t in tags} == {"Project", "A"}


def test_engine_version_and_security_groups_are_modified(run_module, aws, calls):
    run_module(erg.main, args(aws))
    add_primary_cluster(aws, calls, version="7.0.7")
    result, failed = run_module(erg.main, args(aws, security_group_ids=[aws["sg2"]]))
    assert not failed, result
    assert result["changes"] == ["engine_version", "security_group_ids"]
    modify = calls.named("ModifyReplicationGroup")[0]
    assert modify["EngineVersion"] == "7.1" and modify["SecurityGroupIds"] == [aws["sg2"]]
    assert modify["ApplyImmediately"] is True and "AuthToken" not in modify


def test_snapshot_retention(run_module, aws, calls):
    result, failed = run_module(erg.main, args(aws, snapshot_retention_limit=7))
    assert not failed, result
    assert calls.named("CreateReplicationGroup")[0]["SnapshotRetentionLimit"] == 7
    group = aws["ec"].describe_replication_groups(ReplicationGroupId=GID)["ReplicationGroups"][0]
    assert group["SnapshotRetentionLimit"] == 7
    result, failed = run_module(erg.main, args(aws, snapshot_retention_limit=7))
    assert not failed and result["changes"] == []
    result, failed = run_module(erg.main, args(aws, snapshot_retention_limit=1), diff=True)
    assert not failed and result["changes"] == ["snapshot_retention_limit"]
    assert calls.named("ModifyReplicationGroup")[-1]["SnapshotRetentionLimit"] == 1
    assert result["diff"]["before"]["snapshot_retention_limit"] == 7
    assert result["diff"]["after"]["snapshot_retention_limit"] == 1
    # omitted: the group keeps its own setting
    result, failed = run_module(erg.main, args(aws))
    assert not failed and result["changes"] == []


def test_auth_token_rotation(run_module, aws, calls):
    run_module(erg.main, args(aws))
    result, failed = run_module(erg.main, args(aws, auth_token_update_strategy="rotate"))
    assert not failed and result["changes"] == ["auth_token"]
    modify = calls.named("ModifyReplicationGroup")[0]
    assert modify["AuthTokenUpdateStrategy"] == "ROTATE" and modify["AuthToken"] == TOKEN


def test_more_nodes_then_fewer(run_module, aws, calls):
    run_module(erg.main, args(aws))

    def set_members(n):
        def answer(params):
            group = backend().replication_groups[GID]
            group.member_clusters[:] = ["%s-%03d" % (GID, i + 1) for i in range(n)]
            return {"ReplicationGroup": {"ReplicationGroupId": GID}}

        return answer

    calls.answers["IncreaseReplicaCount"] = set_members(3)
    result, failed = run_module(erg.main, args(aws, num_cache_clusters=3))
    assert not failed, result
    assert result["changes"] == ["num_cache_clusters", "automatic_failover", "multi_az"]
    assert calls.named("IncreaseReplicaCount")[0]["NewReplicaCount"] == 2
    group = aws["ec"].describe_replication_groups(ReplicationGroupId=GID)["ReplicationGroups"][0]
    assert group["AutomaticFailover"] == "enabled" and group["MultiAZ"] == "enabled"
    assert len(group["MemberClusters"]) == 3

    calls.answers["DecreaseReplicaCount"] = set_members(1)
    result, failed = run_module(erg.main, args(aws, num_cache_clusters=1))
    assert not failed, result
    assert calls.named("DecreaseReplicaCount")[0]["NewReplicaCount"] == 0
    group = aws["ec"].describe_replication_groups(ReplicationGroupId=GID)["ReplicationGroups"][0]
    assert group["AutomaticFailover"] == "disabled" and len(group["MemberClusters"]) == 1

    calls.answers["IncreaseReplicaCount"] = set_members(3)
    run_module(erg.main, args(aws, num_cache_clusters=3))
    calls.answers["DecreaseReplicaCount"] = set_members(2)
    result, failed = run_module(erg.main, args(aws, num_cache_clusters=2))
    assert not failed and result["changes"] == ["num_cache_clusters"]


def test_check_mode_create_and_update(run_module, aws, calls):
    result, failed = run_module(erg.main, args(aws), check_mode=True, diff=True)
    assert not failed and result["changed"] is True
    assert result["endpoint"] == {} and result["replication_group"] == {}
    assert aws["ec"].describe_replication_groups()["ReplicationGroups"] == []
    run_module(erg.main, args(aws))
    result, failed = run_module(erg.main, args(aws, node_type="cache.t3.small"), check_mode=True)
    assert not failed and result["changed"] is True and result["changes"] == ["node_type"]
    group = aws["ec"].describe_replication_groups(ReplicationGroupId=GID)["ReplicationGroups"][0]
    assert group["CacheNodeType"] == "cache.t3.micro"
    assert calls.named("ModifyReplicationGroup") == []


def test_absent(run_module, aws, calls, fake_clock):
    result, failed = run_module(erg.main, dict(replication_group_id=GID, state="absent", region="us-east-1"))
    assert not failed and result["changed"] is False
    run_module(erg.main, args(aws))
    result, failed = run_module(erg.main, dict(replication_group_id=GID, state="absent", region="us-east-1", wait=False), check_mode=True)
    assert not failed and result["changed"] is True
    assert backend().replication_groups[GID].status == "available"
    result, failed = run_module(erg.main, dict(replication_group_id=GID, state="absent", region="us-east-1", wait=False), diff=True)
    assert not failed and result["changed"] is True
    assert result["diff"]["after"] == {}
    assert backend().replication_groups[GID].status == "deleting"
    # already deleting: nothing to do
    result, failed = run_module(erg.main, dict(replication_group_id=GID, state="absent", region="us-east-1", wait=False))
    assert not failed and result["changed"] is False


def test_absent_waits_until_gone(run_module, aws, calls, fake_clock):
    run_module(erg.main, args(aws))
    polls = []

    def describe_answer(params):
        # Stand-in for ElastiCache finishing the deletion on the second poll (moto never does).
        polls.append(1)
        if len(polls) >= 3:
            backend().replication_groups.pop(GID, None)
        return None

    original_before = calls.answers
    original_before["DescribeReplicationGroups"] = lambda p: describe_answer(p) or _describe(p)
    result, failed = run_module(erg.main, dict(replication_group_id=GID, state="absent", region="us-east-1", wait_delay=5))
    assert not failed, result
    assert result["changed"] is True
    assert GID not in backend().replication_groups


def _describe(params):
    group = backend().replication_groups.get(params["ReplicationGroupId"])
    if group is None:
        raise botocore.exceptions.ClientError(
            {"Error": {"Code": "ReplicationGroupNotFoundFault", "Message": "not found"}}, "DescribeReplicationGroups"
        )
    client = boto3.client("elasticache", region_name="us-east-1")
    return client.describe_replication_groups(ReplicationGroupId=params["ReplicationGroupId"])


def test_delete_wait_times_out(run_module, aws, calls, fake_clock):
    run_module(erg.main, args(aws))
    result, failed = run_module(
        erg.main, dict(replication_group_id=GID, state="absent", region="us-east-1", wait_timeout=30, wait_delay=10)
    )
    assert failed
    assert result["msg"] == "timed out after 30 seconds waiting for replication group %s to be deleted (last status: deleting)" % GID


def test_create_wait_times_out_and_failed_status(run_module, aws, calls, fake_clock, monkeypatch):
    original = erg.ReplicationGroup.create

    def create_modifying(self):
        group = original(self)
        backend().replication_groups[GID].status = "creating"
        return group

    monkeypatch.setattr(erg.ReplicationGroup, "create", create_modifying)
    result, failed = run_module(erg.main, args(aws, wait_timeout=60, wait_delay=15))
    assert failed
    assert result["msg"] == "timed out after 60 seconds waiting for replication group %s to become available (last status: creating)" % GID
    backend().replication_groups[GID].status = "create-failed"
    result, failed = run_module(erg.main, args(aws))
    assert failed
    assert result["msg"] == "replication group %s reached status create-failed instead of available" % GID


def test_waits_for_available_before_modifying(run_module, aws, calls, fake_clock):
    run_module(erg.main, args(aws))
    backend().replication_groups[GID].status = "modifying"
    result, failed = run_module(erg.main, args(aws, node_type="cache.t3.small", wait=False))
    assert failed
    assert result["msg"] == "replication group %s is modifying; it cannot be modified until it is available" % GID
    seen = []

    def describe(params):
        seen.append(1)
        if len(seen) == 2:
            backend().replication_groups[GID].status = "available"
        return _describe(params)

    calls.answers["DescribeReplicationGroups"] = describe
    result, failed = run_module(erg.main, args(aws, node_type="cache.t3.small"))
    assert not failed, result
    assert backend().replication_groups[GID].cache_node_type == "cache.t3.small"
    # not available, nothing to change, no wait: reported as it is
    backend().replication_groups[GID].status = "snapshotting"
    del calls.answers["DescribeReplicationGroups"]
    result, failed = run_module(erg.main, args(aws, node_type="cache.t3.small", wait=False))
    assert not failed and result["changed"] is False


@pytest.mark.parametrize(
    "extra, message",
    [
        (dict(description=None), "description is required to create replication group %s" % GID),
        (dict(transit_encryption_enabled=False), "auth_token requires transit_encryption_enabled=true (ElastiCache rule)"),
        (dict(auth_token="short"), "auth_token must be 16 to 128 characters, letters, digits and ! & # $ ^ < > - only (ElastiCache rule)"),
        (dict(auth_token="has a space in it 1234"), "auth_token must be 16 to 128 characters"),
        (dict(auth_token=None, auth_token_update_strategy="set"), "auth_token_update_strategy needs auth_token"),
        (dict(num_cache_clusters=7), "num_cache_clusters must be between 1 and 6"),
        (dict(snapshot_retention_limit=36), "snapshot_retention_limit must be between 0 and 35 (days)"),
        (dict(wait_timeout=0), "wait_timeout and wait_delay must be positive numbers of seconds"),
    ],
)
def test_option_errors(run_module, aws, calls, extra, message):
    result, failed = run_module(erg.main, args(aws, **extra))
    assert failed and message in result["msg"]
    assert calls.named("CreateReplicationGroup") == []


@pytest.mark.parametrize(
    "extra, message",
    [
        (dict(at_rest_encryption_enabled=False), "cannot change at_rest_encryption_enabled from True to False"),
        (dict(transit_encryption_enabled=False, auth_token=None), "cannot change transit_encryption_enabled from True to False"),
        (dict(port=6380), "cannot change port from 6379 to 6380"),
        (dict(cache_subnet_group="other"), "cannot change cache_subnet_group from cache-net to other"),
    ],
)
def test_immutable_settings(run_module, aws, calls, extra, message):
    run_module(erg.main, args(aws))
    add_primary_cluster(aws, calls)
    result, failed = run_module(erg.main, args(aws, **extra))
    assert failed
    assert result["msg"] == "replication group %s %s; delete and recreate it" % (GID, message)


@pytest.mark.parametrize(
    "operation, state, extra, message",
    [
        ("DescribeReplicationGroups", "present", {}, "describing replication group %s failed" % GID),
        ("CreateReplicationGroup", "present", {}, "creating replication group %s failed" % GID),
        ("ListTagsForResource", "existing", {}, "reading the tags of replication group %s failed" % GID),
        ("DescribeCacheClusters", "existing", {}, "describing cache cluster %s-001 failed" % GID),
        ("ModifyReplicationGroup", "existing", dict(node_type="cache.t3.small"), "modifying replication group %s failed" % GID),
        ("AddTagsToResource", "existing", dict(tags=dict(New="1")), "tagging replication group %s failed" % GID),
        ("IncreaseReplicaCount", "existing", dict(num_cache_clusters=2), "changing the number of nodes of replication group %s failed" % GID),
        ("DeleteReplicationGroup", "absent", {}, "deleting replication group %s failed" % GID),
    ],
)
def test_aws_errors(run_module, aws, calls, operation, state, extra, message):
    if state != "present":
        run_module(erg.main, args(aws))
    calls.failures[operation] = "InvalidParameterValue"
    if state == "absent":
        a = dict(replication_group_id=GID, state="absent", region="us-east-1")
    else:
        a = args(aws, **extra)
    result, failed = run_module(erg.main, a)
    assert failed
    assert result["msg"].startswith(message + ": An error occurred (InvalidParameterValue)")
    assert result["error"]["code"] == "InvalidParameterValue"


def test_delete_race_not_found(run_module, aws, calls):
    run_module(erg.main, args(aws))
    calls.failures["DeleteReplicationGroup"] = "ReplicationGroupNotFoundFault"
    result, failed = run_module(erg.main, dict(replication_group_id=GID, state="absent", region="us-east-1", wait=False))
    assert not failed and result["changed"] is True


def test_helpers():
    assert erg.version_matches("7.1.0", "7.1") and erg.version_matches(None, "7.1")
    assert not erg.version_matches("7.0.7", "7.1")
    assert erg.endpoint_of(None) == {}
    assert erg.endpoint_of({"ConfigurationEndpoint": {"Address": "cfg", "Port": 1}}) == {"address": "cfg", "port": 1}
    assert erg.endpoint_of({"NodeGroups": [{}]}) == {}
    assert erg.settings(None, None, {}) == {}
