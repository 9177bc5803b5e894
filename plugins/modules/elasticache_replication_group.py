#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: elasticache_replication_group
short_description: Manage an ElastiCache for Redis replication group with TLS and AUTH
version_added: 0.1.0
description:
  - Creates, modifies and deletes an Amazon ElastiCache for Redis replication group (cluster
    mode disabled) with in-transit encryption (TLS), at-rest encryption, an AUTH token, a cache
    subnet group, VPC security groups and tags.
  - Idempotent, supports check mode and diff mode, and waits with a timeout (never endlessly)
    for the group to become C(available) or to be gone.
  - The API behaviour relied on is that of the ElastiCache API reference
    (CreateReplicationGroup, ModifyReplicationGroup, IncreaseReplicaCount,
    DecreaseReplicaCount, DeleteReplicationGroup, DescribeReplicationGroups,
    DescribeCacheClusters, ListTagsForResource, AddTagsToResource, RemoveTagsFromResource).
    ElastiCache reports the engine version, the subnet group and the security groups on the
    member cache clusters, not on the replication group; the module reads them from the
    primary's cache cluster.
  - Changes are applied immediately (C(ApplyImmediately=true)).
author:
  - tradeops maintainers (@tradeops)
options:
  replication_group_id:
    description:
      - Identifier of the replication group (1 to 40 letters, digits or hyphens, starting with
        a letter; ElastiCache stores it in lower case).
    type: str
    required: true
    aliases: [id]
  description:
    description:
      - Description of the replication group. Required to create one.
    type: str
  state:
    description:
      - V(present) creates or updates the group; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  engine_version:
    description:
      - Redis engine version, for example V(7.1). A version that the running version starts
        with (V(7.1) for V(7.1.0)) counts as equal; a different one is an upgrade
        (ElastiCache refuses downgrades).
    type: str
    default: '7.1'
  node_type:
    description:
      - Cache node type. Changing it scales the nodes in place.
    type: str
    default: cache.t3.micro
  num_cache_clusters:
    description:
      - Number of nodes (one primary plus replicas), 1 to 6. Automatic failover and Multi-AZ
        are enabled when it is 2 or more, as ElastiCache requires a replica for them.
      - Changed on an existing group with IncreaseReplicaCount/DecreaseReplicaCount.
    type: int
    default: 1
  snapshot_retention_limit:
    description:
      - Days ElastiCache keeps the group's automatic daily snapshots, 0 (none) to 35. When
        omitted, the group keeps its own setting (0 for a new group, as ElastiCache does).
      - Changed on an existing group with ModifyReplicationGroup.
    type: int
  cache_subnet_group:
    description:
      - Name of the cache subnet group (its subnets decide the VPC). Cannot be changed after
        creation.
    type: str
  security_group_ids:
    description:
      - VPC security group ids of the nodes. When omitted, an existing group keeps its own.
    type: list
    elements: str
  transit_encryption_enabled:
    description:
      - Encrypt traffic with TLS. Required for O(auth_token). Cannot be changed by this
        module after creation.
    type: bool
    default: true
  at_rest_encryption_enabled:
    description:
      - Encrypt data at rest. Cannot be changed after creation (ElastiCache rule).
    type: bool
    default: true
  kms_key_id:
    description:
      - KMS key (id, ARN or alias) for at-rest encryption; only used when the group is
        created. Default is the AWS managed key.
    type: str
  auth_token:
    description:
      - >-
        Redis AUTH token. ElastiCache requires 16 to 128 characters, letters, digits and the
        special characters C(! & # $ ^ < > -) only, and transit encryption (CreateReplicationGroup
        API reference, AuthToken).
      - ElastiCache never returns the token, so on an existing group it is only sent when
        O(auth_token_update_strategy) is set.
    type: str
  auth_token_update_strategy:
    description:
      - How to apply O(auth_token) to an existing group. V(rotate) adds it as a second valid
        token (the old one keeps working until a later V(set)); V(set) makes it the only one.
      - When set, every run sends the token and reports a change, so use it for rotations.
    type: str
    choices: [rotate, set]
  port:
    description:
      - TCP port of the nodes. Cannot be changed after creation.
    type: int
    default: 6379
  wait:
    description:
      - Wait until the group is C(available) (present) or gone (absent).
    type: bool
    default: true
  wait_timeout:
    description:
      - How long to wait, in seconds. The module fails when it runs out.
    type: int
    default: 1800
  wait_delay:
    description:
      - Seconds between two polls while waiting.
    type: int
    default: 15
notes:
  - Against moto (the local sandbox), created groups are C(available) at once, deleted ones
    stay C(deleting) forever (use O(wait=false) when deleting there), NumCacheClusters is
    ignored (one node) and IncreaseReplicaCount is missing, so keep O(num_cache_clusters=1).
  - Errors the module raises (the parts in capitals are filled in).
  - >-
    Error: C(description is required to create replication group ID)
  - >-
    Error: C(auth_token requires transit_encryption_enabled=true (ElastiCache rule))
  - >-
    Error: C(auth_token must be 16 to 128 characters, letters, digits and ! & # $ ^ < > - only (ElastiCache rule))
  - >-
    Error: C(auth_token_update_strategy needs auth_token)
  - >-
    Error: C(num_cache_clusters must be between 1 and 6)
  - >-
    Error: C(snapshot_retention_limit must be between 0 and 35 (days))
  - >-
    Error: C(wait_timeout and wait_delay must be positive numbers of seconds)
  - >-
    Error: C(replication group ID cannot change SETTING from OLD to NEW; delete and recreate it)
    (for transit_encryption_enabled, at_rest_encryption_enabled, port, cache_subnet_group)
  - >-
    Error: C(replication group ID is STATUS; it cannot be modified until it is available) (wait=false)
  - >-
    Error: C(timed out after N seconds waiting for replication group ID to become available (last status: STATUS))
  - >-
    Error: C(timed out after N seconds waiting for replication group ID to be deleted (last status: STATUS))
  - >-
    Error: C(replication group ID reached status STATUS instead of available)
  - >-
    Error: C(describing replication group ID failed: AWS_MESSAGE),
    C(creating replication group ID failed: AWS_MESSAGE),
    C(modifying replication group ID failed: AWS_MESSAGE),
    C(changing the number of nodes of replication group ID failed: AWS_MESSAGE),
    C(deleting replication group ID failed: AWS_MESSAGE),
    C(describing cache cluster NAME failed: AWS_MESSAGE),
    C(reading the tags of replication group ID failed: AWS_MESSAGE),
    C(tagging replication group ID failed: AWS_MESSAGE)
    (AWS API errors, with the AWS error code and message)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change without calling any API that changes something.
  diff_mode:
    support: full
    description: Shows the managed settings before and after (never the AUTH token).
"""

EXAMPLES = r"""
- name: Redis 7 with TLS, at-rest encryption and AUTH
  tradeops.aws.elasticache_replication_group:
    replication_group_id: tradebot-prod
    description: tradebot prod cache
    engine_version: "7.1"
    node_type: cache.t3.micro
    num_cache_clusters: 1
    cache_subnet_group: tradebot-prod-cache
    security_group_ids: [sg-0123456789abcdef0]
    auth_token: "{{ redis_auth_token }}"
    tags:
      Project: tradebot
      Environment: prod
    wait_timeout: 1800
  register: _cache

- name: Start creating without waiting (wait later with wait=true)
  tradeops.aws.elasticache_replication_group:
    replication_group_id: tradebot-prod
    description: tradebot prod cache
    auth_token: "{{ redis_auth_token }}"
    wait: false

- name: Rotate the AUTH token
  tradeops.aws.elasticache_replication_group:
    replication_group_id: tradebot-prod
    description: tradebot prod cache
    auth_token: "{{ new_token }}"
    auth_token_update_strategy: rotate

- name: Delete it
  tradeops.aws.elasticache_replication_group:
    replication_group_id: tradebot-prod
    state: absent
"""

RETURN = r"""
endpoint:
  description: Primary endpoint of the group (empty when it is absent or not yet created).
  returned: always
  type: dict
  contains:
    address:
      description: Host name of the primary endpoint.
      type: str
      sample: master.tradebot-prod.abc123.use1.cache.amazonaws.com
    port:
      description: TCP port.
      type: int
      sample: 6379
replication_group:
  description:
    - The replication group as DescribeReplicationGroups returns it, keys in snake_case, plus
      C(tags) (dict), and C(engine_version), C(cache_subnet_group_name) and
      C(security_group_ids) read from the primary's cache cluster when available.
    - Empty when the group is absent.
  returned: always
  type: dict
  sample:
    replication_group_id: tradebot-prod
    status: available
    cache_node_type: cache.t3.micro
    transit_encryption_enabled: true
    at_rest_encryption_enabled: true
    auth_token_enabled: true
    member_clusters: [tradebot-prod-001]
    engine_version: 7.1.0
    tags: {Project: tradebot}
changes:
  description: Names of the settings that were (or would be) changed on an existing group.
  returned: always
  type: list
  elements: str
  sample: [node_type, tags]
"""

import re
import time

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

AUTH_TOKEN = re.compile(r"^[A-Za-z0-9!&#$^<>-]{16,128}$")
BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) if "botocore" in globals() else ()


class ReplicationGroup:
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.group_id = module.params["replication_group_id"].lower()
        self.client = module.client(
            "elasticache",
            retry_decorator=AWSRetry.jittered_backoff(catch_extra_error_codes=["InvalidReplicationGroupState"]),
        )

    # -------------------------------------------------------------- reading

    def describe(self):
        try:
            groups = self.client.describe_replication_groups(ReplicationGroupId=self.group_id, aws_retry=True)
        except is_boto3_error_code("ReplicationGroupNotFoundFault"):
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg="describing replication group %s failed" % self.group_id)
        return groups["ReplicationGroups"][0]

    def primary_cluster(self, group):
        """The primary's cache cluster (engine version, subnet group, security groups), or None."""
        primary = None
        for node_group in group.get("NodeGroups", []):
            for member in node_group.get("NodeGroupMembers", []):
                if member.get("CurrentRole") == "primary":
                    primary = member.get("CacheClusterId")
        if primary is None and group.get("MemberClusters"):
            primary = group["MemberClusters"][0]
        if primary is None:
            return None
        try:
            clusters = self.client.describe_cache_clusters(CacheClusterId=primary, aws_retry=True)
        except is_boto3_error_code("CacheClusterNotFound"):
            # A member that is being replaced; its settings are unknown for now.
            return None
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg="describing cache cluster %s failed" % primary)
        return clusters["CacheClusters"][0]

    def tags(self, group):
        try:
            response = self.client.list_tags_for_resource(ResourceName=group["ARN"], aws_retry=True)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="reading the tags of replication group %s failed" % self.group_id)
        return boto3_tag_list_to_ansible_dict(response.get("TagList", []))

    # -------------------------------------------------------------- waiting

    def wait_for(self, want):
        """Wait until the group is 'available' (want='available') or gone (want='deleted')."""
        timeout = self.params["wait_timeout"]
        deadline = time.monotonic() + timeout
        status = None
        while True:
            group = self.describe()
            status = group["Status"] if group else None
            if want == "deleted" and group is None:
                return None
            if want == "available":
                if status == "available" and not group.get("PendingModifiedValues"):
                    return group
                if status in ("create-failed", "deleting", None):
                    self.module.fail_json(
                        msg="replication group %s reached status %s instead of available"
                        % (self.group_id, status or "deleted")
                    )
            if time.monotonic() + self.params["wait_delay"] > deadline:
                self.module.fail_json(
                    msg="timed out after %d seconds waiting for replication group %s to %s (last status: %s)"
                    % (timeout, self.group_id, "become available" if want == "available" else "be deleted", status)
                )
            time.sleep(self.params["wait_delay"])

    # -------------------------------------------------------------- changes

    def create(self):
        p = self.params
        request = dict(
            ReplicationGroupId=self.group_id,
            ReplicationGroupDescription=p["description"],
            Engine="redis",
            EngineVersion=p["engine_version"],
            CacheNodeType=p["node_type"],
            NumCacheClusters=p["num_cache_clusters"],
            AutomaticFailoverEnabled=p["num_cache_clusters"] > 1,
            MultiAZEnabled=p["num_cache_clusters"] > 1,
            Port=p["port"],
            TransitEncryptionEnabled=p["transit_encryption_enabled"],
            AtRestEncryptionEnabled=p["at_rest_encryption_enabled"],
        )
        if p["snapshot_retention_limit"] is not None:
            request["SnapshotRetentionLimit"] = p["snapshot_retention_limit"]
        if p["cache_subnet_group"]:
            request["CacheSubnetGroupName"] = p["cache_subnet_group"]
        if p["security_group_ids"] is not None:
            request["SecurityGroupIds"] = p["security_group_ids"]
        if p["kms_key_id"]:
            request["KmsKeyId"] = p["kms_key_id"]
        if p["auth_token"]:
            request["AuthToken"] = p["auth_token"]
        if p["tags"]:
            request["Tags"] = ansible_dict_to_boto3_tag_list(p["tags"])
        try:
            return self.client.create_replication_group(aws_retry=True, **request)["ReplicationGroup"]
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="creating replication group %s failed" % self.group_id)

    def plan(self, group, cluster, current_tags):
        """Return (modify request, replica count or None, tags to add, tag keys to remove, changes)."""
        p = self.params
        changes = []
        request = {}

        immutable = [
            ("transit_encryption_enabled", bool(group.get("TransitEncryptionEnabled")), p["transit_encryption_enabled"]),
            ("at_rest_encryption_enabled", bool(group.get("AtRestEncryptionEnabled")), p["at_rest_encryption_enabled"]),
            ("port", endpoint_of(group).get("port", p["port"]), p["port"]),
        ]
        if cluster is not None and p["cache_subnet_group"]:
            immutable.append(("cache_subnet_group", cluster.get("CacheSubnetGroupName"), p["cache_subnet_group"]))
        for name, have, want in immutable:
            if have != want:
                self.module.fail_json(
                    msg="replication group %s cannot change %s from %s to %s; delete and recreate it"
                    % (self.group_id, name, have, want)
                )

        if p["description"] is not None and group.get("Description") != p["description"]:
            request["ReplicationGroupDescription"] = p["description"]
            changes.append("description")
        if group.get("CacheNodeType") != p["node_type"]:
            request["CacheNodeType"] = p["node_type"]
            changes.append("node_type")
        if p["snapshot_retention_limit"] is not None and \
                group.get("SnapshotRetentionLimit", 0) != p["snapshot_retention_limit"]:
            request["SnapshotRetentionLimit"] = p["snapshot_retention_limit"]
            changes.append("snapshot_retention_limit")
        if cluster is not None and not version_matches(cluster.get("EngineVersion"), p["engine_version"]):
            request["EngineVersion"] = p["engine_version"]
            changes.append("engine_version")
        if cluster is not None and p["security_group_ids"] is not None:
            have = sorted(g["SecurityGroupId"] for g in cluster.get("SecurityGroups", []))
            if have != sorted(p["security_group_ids"]):
                request["SecurityGroupIds"] = p["security_group_ids"]
                changes.append("security_group_ids")
        if p["auth_token_update_strategy"]:
            request["AuthToken"] = p["auth_token"]
            request["AuthTokenUpdateStrategy"] = p["auth_token_update_strategy"].upper()
            changes.append("auth_token")

        replicas = None
        members = len(group.get("MemberClusters", []))
        multi = p["num_cache_clusters"] > 1
        if members != p["num_cache_clusters"]:
            replicas = p["num_cache_clusters"] - 1
            changes.append("num_cache_clusters")
        if (group.get("AutomaticFailover") in ("enabled", "enabling")) != multi:
            request["AutomaticFailoverEnabled"] = multi
            changes.append("automatic_failover")
        if (group.get("MultiAZ") == "enabled") != multi:
            request["MultiAZEnabled"] = multi
            changes.append("multi_az")

        tags_to_add, tags_to_remove = {}, []
        if p["tags"] is not None:
            tags_to_add, tags_to_remove = compare_aws_tags(current_tags, p["tags"], p["purge_tags"])
            if tags_to_add or tags_to_remove:
                changes.append("tags")
        return request, replicas, tags_to_add, tags_to_remove, changes

    def apply(self, group, request, replicas, tags_to_add, tags_to_remove):
        if replicas is not None and self.params["num_cache_clusters"] == 1:
            # Down to one node: automatic failover and Multi-AZ must be off first.
            self.modify(request)
            request = {}
            self.change_replicas(group, replicas)
        elif replicas is not None:
            # Up (failover is enabled afterwards) or down to two or more nodes.
            self.change_replicas(group, replicas)
        self.modify(request)
        if tags_to_add or tags_to_remove:
            try:
                if tags_to_remove:
                    self.client.remove_tags_from_resource(ResourceName=group["ARN"], TagKeys=tags_to_remove, aws_retry=True)
                if tags_to_add:
                    self.client.add_tags_to_resource(
                        ResourceName=group["ARN"], Tags=ansible_dict_to_boto3_tag_list(tags_to_add), aws_retry=True
                    )
            except BOTO_ERRORS as e:
                self.module.fail_json_aws(e, msg="tagging replication group %s failed" % self.group_id)

    def modify(self, request):
        if not request:
            return
        if self.params["wait"]:
            self.wait_for("available")
        try:
            self.client.modify_replication_group(
                ReplicationGroupId=self.group_id, ApplyImmediately=True, aws_retry=True, **request
            )
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="modifying replication group %s failed" % self.group_id)

    def change_replicas(self, group, replicas):
        if self.params["wait"]:
            self.wait_for("available")
        have = len(group.get("MemberClusters", [])) - 1
        call = self.client.increase_replica_count if replicas > have else self.client.decrease_replica_count
        try:
            call(ReplicationGroupId=self.group_id, NewReplicaCount=replicas, ApplyImmediately=True, aws_retry=True)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="changing the number of nodes of replication group %s failed" % self.group_id)

    def delete(self):
        try:
            self.client.delete_replication_group(ReplicationGroupId=self.group_id, aws_retry=True)
        except is_boto3_error_code("ReplicationGroupNotFoundFault"):
            return
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg="deleting replication group %s failed" % self.group_id)


def endpoint_of(group):
    if not group:
        return {}
    for node_group in group.get("NodeGroups", []):
        primary = node_group.get("PrimaryEndpoint")
        if primary:
            return dict(address=primary.get("Address"), port=primary.get("Port"))
    config = group.get("ConfigurationEndpoint")
    if config:
        return dict(address=config.get("Address"), port=config.get("Port"))
    return {}


def version_matches(have, want):
    if not have:
        return True
    have_parts = str(have).split(".")
    want_parts = str(want).split(".")
    return have_parts[: len(want_parts)] == want_parts


def settings(group, cluster, tags):
    """The managed settings, for the diff."""
    if not group:
        return {}
    out = dict(
        description=group.get("Description"),
        node_type=group.get("CacheNodeType"),
        num_cache_clusters=len(group.get("MemberClusters", [])),
        snapshot_retention_limit=group.get("SnapshotRetentionLimit", 0),
        transit_encryption_enabled=bool(group.get("TransitEncryptionEnabled")),
        at_rest_encryption_enabled=bool(group.get("AtRestEncryptionEnabled")),
        auth_token_enabled=bool(group.get("AuthTokenEnabled")),
        port=endpoint_of(group).get("port"),
        tags=tags,
    )
    if cluster is not None:
        out.update(
            engine_version=cluster.get("EngineVersion"),
            cache_subnet_group=cluster.get("CacheSubnetGroupName"),
            security_group_ids=sorted(g["SecurityGroupId"] for g in cluster.get("SecurityGroups", [])),
        )
    return out


def desired_settings(params, before):
    after = dict(before)
    after.update(
        description=params["description"] if params["description"] is not None else before.get("description"),
        node_type=params["node_type"],
        num_cache_clusters=params["num_cache_clusters"],
        transit_encryption_enabled=params["transit_encryption_enabled"],
        at_rest_encryption_enabled=params["at_rest_encryption_enabled"],
        auth_token_enabled=bool(params["auth_token"]) or before.get("auth_token_enabled", False),
        port=params["port"],
    )
    if "engine_version" not in before or not version_matches(before.get("engine_version"), params["engine_version"]):
        after["engine_version"] = params["engine_version"]
    if params["snapshot_retention_limit"] is not None:
        after["snapshot_retention_limit"] = params["snapshot_retention_limit"]
    if params["cache_subnet_group"]:
        after["cache_subnet_group"] = params["cache_subnet_group"]
    if params["security_group_ids"] is not None:
        after["security_group_ids"] = sorted(params["security_group_ids"])
    if params["tags"] is not None:
        tags = {} if params["purge_tags"] else dict(before.get("tags") or {})
        tags.update(params["tags"])
        after["tags"] = tags
    return after


def describe_result(group, cluster, tags):
    if not group:
        return {}
    result = camel_dict_to_snake_dict(group)
    result["tags"] = tags
    if cluster is not None:
        result["engine_version"] = cluster.get("EngineVersion")
        result["cache_subnet_group_name"] = cluster.get("CacheSubnetGroupName")
        result["security_group_ids"] = [g["SecurityGroupId"] for g in cluster.get("SecurityGroups", [])]
    return result


def validate(module):
    p = module.params
    if p["wait_timeout"] <= 0 or p["wait_delay"] <= 0:
        module.fail_json(msg="wait_timeout and wait_delay must be positive numbers of seconds")
    if p["state"] == "absent":
        return
    if not 1 <= p["num_cache_clusters"] <= 6:
        module.fail_json(msg="num_cache_clusters must be between 1 and 6")
    if p["snapshot_retention_limit"] is not None and not 0 <= p["snapshot_retention_limit"] <= 35:
        module.fail_json(msg="snapshot_retention_limit must be between 0 and 35 (days)")
    if p["auth_token"] is not None:
        if not p["transit_encryption_enabled"]:
            module.fail_json(msg="auth_token requires transit_encryption_enabled=true (ElastiCache rule)")
        if not AUTH_TOKEN.match(p["auth_token"]):
            module.fail_json(
                msg="auth_token must be 16 to 128 characters, letters, digits and ! & # $ ^ < > - only (ElastiCache rule)"
            )
    if p["auth_token_update_strategy"] and not p["auth_token"]:
        module.fail_json(msg="auth_token_update_strategy needs auth_token")


def main():
    argument_spec = dict(
        replication_group_id=dict(type="str", required=True, aliases=["id"]),
        description=dict(type="str"),
        state=dict(type="str", default="present", choices=["present", "absent"]),
        engine_version=dict(type="str", default="7.1"),
        node_type=dict(type="str", default="cache.t3.micro"),
        num_cache_clusters=dict(type="int", default=1),
        snapshot_retention_limit=dict(type="int"),
        cache_subnet_group=dict(type="str"),
        security_group_ids=dict(type="list", elements="str"),
        transit_encryption_enabled=dict(type="bool", default=True),
        at_rest_encryption_enabled=dict(type="bool", default=True),
        kms_key_id=dict(type="str", no_log=False),
        auth_token=dict(type="str", no_log=True),
        auth_token_update_strategy=dict(type="str", choices=["rotate", "set"], no_log=False),
        port=dict(type="int", default=6379),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
        wait_delay=dict(type="int", default=15),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module)
    rg = ReplicationGroup(module)
    params = module.params

    group = rg.describe()
    cluster = rg.primary_cluster(group) if group else None
    tags = rg.tags(group) if group else {}
    before = settings(group, cluster, tags)
    changed = False
    changes = []

    if params["state"] == "absent":
        if group and group["Status"] != "deleting":
            changed = True
            if not module.check_mode:
                rg.delete()
        if group and params["wait"] and not module.check_mode:
            rg.wait_for("deleted")
        result = dict(changed=changed, changes=[], replication_group={}, endpoint={})
        if module._diff:
            result["diff"] = dict(before=before, after={})
        module.exit_json(**result)

    if group is None:
        if not params["description"]:
            module.fail_json(msg="description is required to create replication group %s" % rg.group_id)
        changed = True
        after = desired_settings(params, {})
        if not module.check_mode:
            group = rg.create()
            if params["wait"]:
                group = rg.wait_for("available")
            cluster = rg.primary_cluster(group)
            tags = rg.tags(group)
    else:
        if group["Status"] not in ("available",) and not params["wait"]:
            request, replicas, to_add, to_remove, changes = rg.plan(group, cluster, tags)
            if request or replicas is not None:
                module.fail_json(
                    msg="replication group %s is %s; it cannot be modified until it is available"
                    % (rg.group_id, group["Status"])
                )
        if params["wait"] and group["Status"] != "available":
            group = rg.wait_for("available")
            cluster = rg.primary_cluster(group)
        request, replicas, to_add, to_remove, changes = rg.plan(group, cluster, tags)
        after = desired_settings(params, before)
        if changes:
            changed = True
            if not module.check_mode:
                rg.apply(group, request, replicas, to_add, to_remove)
                group = rg.wait_for("available") if params["wait"] else rg.describe()
                cluster = rg.primary_cluster(group)
                tags = rg.tags(group)

    result = dict(
        changed=changed,
        changes=changes,
        replication_group=describe_result(group, cluster, tags),
        endpoint=endpoint_of(group),
    )
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
