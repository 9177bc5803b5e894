#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: ec2_vpc_flow_log
short_description: Manage the flow log of a VPC to CloudWatch Logs
version_added: 0.2.0
description:
  - Creates, replaces and deletes the flow log that sends a VPC's IP traffic records to a
    CloudWatch Logs log group (CreateFlowLogs, DescribeFlowLogs, DeleteFlowLogs, CreateTags,
    DeleteTags). Neither amazon.aws nor community.aws has a module for flow logs.
  - A flow log is found by its VPC and log group. Its settings cannot be modified in AWS
    (there is no ModifyFlowLogs), so a flow log whose traffic type, delivery role, aggregation
    interval or format differ is deleted and created again (reported as changed, listed in
    RV(changes)). Tags are updated in place.
  - Idempotent, with check mode and diff mode.
author:
  - tradeops maintainers (@tradeops)
options:
  vpc_id:
    description:
      - The VPC whose traffic is logged.
    type: str
    required: true
  log_group_name:
    description:
      - The CloudWatch Logs log group the records go to. AWS creates the flow log even when the
        group does not exist and then reports a failed delivery, so create it first.
    type: str
    required: true
  deliver_logs_permission_arn:
    description:
      - ARN of the IAM role the flow logs service assumes to write to the log group (trusting
        C(vpc-flow-logs.amazonaws.com), allowed C(logs:CreateLogStream), C(logs:PutLogEvents),
        C(logs:DescribeLogGroups) and C(logs:DescribeLogStreams)). Required when O(state=present).
    type: str
  traffic_type:
    description:
      - Which traffic is recorded.
    type: str
    choices: [ALL, ACCEPT, REJECT]
    default: ALL
  max_aggregation_interval:
    description:
      - Seconds over which packets are aggregated into one record.
    type: int
    choices: [60, 600]
    default: 600
  log_format:
    description:
      - Record format (fields such as C(${srcaddr})); when omitted, the AWS default format and an
        existing flow log's format is left as it is.
    type: str
  tags:
    description:
      - Tags of the flow log.
    type: dict
    aliases: [resource_tags]
  purge_tags:
    description:
      - Remove the tags not listed in O(tags).
    type: bool
    default: true
  state:
    description:
      - V(present) creates (or replaces) the flow log; V(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Errors the module raises (the parts in capitals are filled in); AWS errors add the AWS
    message and error code.
  - >-
    Error: C(deliver_logs_permission_arn is required to create a flow log)
  - >-
    Error: C(creating the flow log of VPC_ID failed: AWS_MESSAGE), for example an unknown VPC
    (C(InvalidVpcID.NotFound)) or a role the caller may not pass (C(iam:PassRole)).
  - >-
    Error: C(reading the flow logs of VPC_ID failed), C(deleting flow log ID failed),
    C(tagging flow log ID failed).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change without creating, deleting or tagging.
  diff_mode:
    support: full
    description: Shows the flow log's settings before and after.
"""

EXAMPLES = r"""
- name: Record all traffic of the VPC into its log group
  tradeops.aws.ec2_vpc_flow_log:
    vpc_id: vpc-0123456789abcdef0
    log_group_name: /tradeops/tradebot/prod/network/flow-logs
    deliver_logs_permission_arn: arn:aws:iam::123456789012:role/tradebot-prod-flow-logs
    traffic_type: ALL
    tags:
      Project: tradebot

- name: Remove it
  tradeops.aws.ec2_vpc_flow_log:
    vpc_id: vpc-0123456789abcdef0
    log_group_name: /tradeops/tradebot/prod/network/flow-logs
    state: absent
"""

RETURN = r"""
flow_log:
  description: The flow log after the run as DescribeFlowLogs returns it, keys in snake_case and
    C(tags) as a dict; empty when absent.
  returned: always
  type: dict
  sample:
    flow_log_id: fl-0123456789abcdef0
    resource_id: vpc-0123456789abcdef0
    traffic_type: ALL
    log_group_name: /tradeops/tradebot/prod/network/flow-logs
    deliver_logs_permission_arn: arn:aws:iam::123456789012:role/tradebot-prod-flow-logs
    deliver_logs_status: SUCCESS
    max_aggregation_interval: 600
    tags: {Project: tradebot}
changes:
  description: The settings that differed on an existing flow log (it was, or would be,
    replaced), and C(tags) when only the tags changed.
  returned: always
  type: list
  elements: str
  sample: [traffic_type]
"""

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags

BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) if "botocore" in globals() else ()
# (module option, DescribeFlowLogs key): the settings AWS cannot modify in place.
SETTINGS = [
    ("traffic_type", "TrafficType"),
    ("deliver_logs_permission_arn", "DeliverLogsPermissionArn"),
    ("max_aggregation_interval", "MaxAggregationInterval"),
    ("log_format", "LogFormat"),
]


class FlowLog(object):
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.vpc_id = module.params["vpc_id"]
        self.client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())

    def find(self):
        try:
            found = self.client.describe_flow_logs(
                aws_retry=True,
                Filters=[
                    {"Name": "resource-id", "Values": [self.vpc_id]},
                    {"Name": "log-group-name", "Values": [self.params["log_group_name"]]},
                ],
            )["FlowLogs"]
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="reading the flow logs of %s failed" % self.vpc_id)
        # The filter is exact in AWS; keep to the VPC's cloud-watch-logs flow logs of this group.
        return [f for f in found if f.get("ResourceId") == self.vpc_id
                and f.get("LogGroupName") == self.params["log_group_name"]]

    def differences(self, flow_log):
        return [option for option, key in SETTINGS
                if self.params[option] is not None and flow_log.get(key) != self.params[option]]

    def create(self):
        p = self.params
        request = dict(
            ResourceIds=[self.vpc_id],
            ResourceType="VPC",
            TrafficType=p["traffic_type"],
            LogDestinationType="cloud-watch-logs",
            LogGroupName=p["log_group_name"],
            DeliverLogsPermissionArn=p["deliver_logs_permission_arn"],
            MaxAggregationInterval=p["max_aggregation_interval"],
        )
        if p["log_format"]:
            request["LogFormat"] = p["log_format"]
        if p["tags"]:
            request["TagSpecifications"] = [
                {"ResourceType": "vpc-flow-log", "Tags": ansible_dict_to_boto3_tag_list(p["tags"])}]
        try:
            answer = self.client.create_flow_logs(aws_retry=True, **request)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="creating the flow log of %s failed" % self.vpc_id)
        refused = answer.get("Unsuccessful") or []
        if refused:
            error = refused[0].get("Error", {})
            self.module.fail_json(msg="creating the flow log of %s failed: %s (%s)"
                                  % (self.vpc_id, error.get("Message"), error.get("Code")))

    def delete(self, flow_log):
        try:
            self.client.delete_flow_logs(aws_retry=True, FlowLogIds=[flow_log["FlowLogId"]])
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="deleting flow log %s failed" % flow_log["FlowLogId"])

    def retag(self, flow_log, add, remove):
        try:
            if remove:
                self.client.delete_tags(aws_retry=True, Resources=[flow_log["FlowLogId"]],
                                        Tags=[{"Key": key} for key in remove])
            if add:
                self.client.create_tags(aws_retry=True, Resources=[flow_log["FlowLogId"]],
                                        Tags=ansible_dict_to_boto3_tag_list(add))
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="tagging flow log %s failed" % flow_log["FlowLogId"])


def describe(flow_log):
    if not flow_log:
        return {}
    result = camel_dict_to_snake_dict(dict((k, v) for k, v in flow_log.items() if k != "Tags"))
    result["tags"] = boto3_tag_list_to_ansible_dict(flow_log.get("Tags", []))
    return result


def settings(flow_log):
    """The managed settings, for the diff."""
    if not flow_log:
        return {}
    out = dict((option, flow_log.get(key)) for option, key in SETTINGS)
    out["tags"] = boto3_tag_list_to_ansible_dict(flow_log.get("Tags", []))
    return out


def ensure_absent(flow_log, found):
    changed = bool(found)
    if found and not flow_log.module.check_mode:
        for each in found:
            flow_log.delete(each)
    return changed, [], {}


def ensure_present(flow_log, found):
    p = flow_log.params
    current = found[0] if found else None
    if current is None:
        if not flow_log.module.check_mode:
            flow_log.create()
        return True, [], flow_log.find()[0] if not flow_log.module.check_mode else {}
    changes = flow_log.differences(current)
    if changes or len(found) > 1:
        if not flow_log.module.check_mode:
            for each in found:
                flow_log.delete(each)
            flow_log.create()
            return True, changes or ["duplicates"], flow_log.find()[0]
        return True, changes or ["duplicates"], current
    if p["tags"] is not None:
        add, remove = compare_aws_tags(boto3_tag_list_to_ansible_dict(current.get("Tags", [])), p["tags"],
                                       p["purge_tags"])
        if add or remove:
            if not flow_log.module.check_mode:
                flow_log.retag(current, add, remove)
                return True, ["tags"], flow_log.find()[0]
            return True, ["tags"], current
    return False, [], current


def main():
    module = AnsibleAWSModule(
        argument_spec=dict(
            vpc_id=dict(type="str", required=True),
            log_group_name=dict(type="str", required=True),
            deliver_logs_permission_arn=dict(type="str"),
            traffic_type=dict(type="str", default="ALL", choices=["ALL", "ACCEPT", "REJECT"]),
            max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
            log_format=dict(type="str"),
            tags=dict(type="dict", aliases=["resource_tags"]),
            purge_tags=dict(type="bool", default=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
        ),
        supports_check_mode=True,
    )
    if module.params["state"] == "present" and not module.params["deliver_logs_permission_arn"]:
        module.fail_json(msg="deliver_logs_permission_arn is required to create a flow log")
    flow_log = FlowLog(module)
    found = flow_log.find()
    before = settings(found[0] if found else None)
    if module.params["state"] == "absent":
        changed, changes, after = ensure_absent(flow_log, found)
    else:
        changed, changes, after = ensure_present(flow_log, found)
    if module.check_mode and module.params["state"] == "present" and changed:
        wanted = dict((option, module.params[option]) for option, _key in SETTINGS)
        tags = dict(before.get("tags") or {})
        if module.params["tags"] is not None:
            tags = dict(module.params["tags"]) if module.params["purge_tags"] else dict(tags, **module.params["tags"])
        diff_after = dict(before, **dict((k, v) for k, v in wanted.items() if v is not None))
        diff_after["tags"] = tags
    else:
        diff_after = settings(after)
    module.exit_json(changed=changed, changes=changes, flow_log=describe(after),
                     diff={"before": before, "after": diff_after})


if __name__ == "__main__":
    main()
