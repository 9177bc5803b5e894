# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tradeops.aws.ec2_vpc_flow_log against moto (the test double for EC2 and CloudWatch Logs)."""

import boto3
import botocore
import pytest
from moto import mock_aws

from ansible_collections.tradeops.aws.plugins.modules import ec2_vpc_flow_log as module

GROUP = "/tradeops/tb/prod/network/flow-logs"
ROLE = "arn:aws:iam::123456789012:role/tb-prod-flow-logs"
ROLE2 = "arn:aws:iam::123456789012:role/tb-prod-flow-logs-2"


@pytest.fixture
def aws(aws_env):
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        boto3.client("logs", region_name="us-east-1").create_log_group(logGroupName=GROUP)
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
        yield dict(ec2=ec2, vpc=vpc)


def args(aws, **extra):
    values = dict(vpc_id=aws["vpc"], log_group_name=GROUP, deliver_logs_permission_arn=ROLE, region="us-east-1",
                  tags={"Project": "tb"})
    values.update(extra)
    return values


def flow_logs(aws):
    return aws["ec2"].describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [aws["vpc"]]}])["FlowLogs"]


def test_check_mode_then_create_then_noop(run_module, aws):
    result, failed = run_module(module.main, args(aws), check_mode=True, diff=True)
    assert not failed and result["changed"] is True and flow_logs(aws) == []
    assert result["diff"]["after"]["traffic_type"] == "ALL" and result["diff"]["before"] == {}
    result, failed = run_module(module.main, args(aws))
    assert not failed and result["changed"] is True, result
    [made] = flow_logs(aws)
    assert (made["TrafficType"], made["LogGroupName"], made["DeliverLogsPermissionArn"]) == ("ALL", GROUP, ROLE)
    assert made["MaxAggregationInterval"] == 600 and made["DeliverLogsStatus"] == "SUCCESS"
    assert result["flow_log"]["flow_log_id"] == made["FlowLogId"] and result["flow_log"]["tags"] == {"Project": "tb"}
    result, failed = run_module(module.main, args(aws), diff=True)
    assert not failed and result["changed"] is False and result["changes"] == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_changed_settings_replace_the_flow_log(run_module, aws):
    run_module(module.main, args(aws))
    first = flow_logs(aws)[0]["FlowLogId"]
    result, failed = run_module(module.main, args(aws, traffic_type="REJECT", deliver_logs_permission_arn=ROLE2),
                                check_mode=True, diff=True)
    assert not failed and result["changed"] and result["changes"] == ["traffic_type", "deliver_logs_permission_arn"]
    assert result["diff"]["after"]["traffic_type"] == "REJECT"
    assert [f["FlowLogId"] for f in flow_logs(aws)] == [first]
    result, failed = run_module(module.main, args(aws, traffic_type="REJECT", deliver_logs_permission_arn=ROLE2))
    assert not failed and result["changed"]
    [made] = flow_logs(aws)
    assert made["FlowLogId"] != first and made["TrafficType"] == "REJECT"


def test_tags_change_in_place(run_module, aws):
    run_module(module.main, args(aws))
    first = flow_logs(aws)[0]["FlowLogId"]
    result, failed = run_module(module.main, args(aws, tags={"Project": "tb", "Environment": "prod"},
                                                  purge_tags=False), check_mode=True, diff=True)
    assert not failed and result["changes"] == ["tags"]
    assert result["diff"]["after"]["tags"] == {"Project": "tb", "Environment": "prod"}
    result, failed = run_module(module.main, args(aws, tags={"Environment": "prod"}))
    assert not failed and result["changes"] == ["tags"]
    [made] = flow_logs(aws)
    assert made["FlowLogId"] == first
    assert {t["Key"]: t["Value"] for t in made["Tags"]} == {"Environment": "prod"}


def test_absent(run_module, aws):
    run_module(module.main, args(aws))
    result, failed = run_module(module.main, args(aws, state="absent"), check_mode=True)
    assert not failed and result["changed"] and len(flow_logs(aws)) == 1
    result, failed = run_module(module.main, args(aws, state="absent"))
    assert not failed and result["changed"] and flow_logs(aws) == [] and result["flow_log"] == {}
    result, failed = run_module(module.main, args(aws, state="absent"))
    assert not failed and result["changed"] is False


def test_errors(run_module, aws, monkeypatch):
    result, failed = run_module(module.main, args(aws, deliver_logs_permission_arn=None))
    assert failed and result["msg"] == "deliver_logs_permission_arn is required to create a flow log"
    result, failed = run_module(module.main, args(aws, vpc_id="vpc-0000000000000dead"))
    assert failed and result["msg"].startswith("creating the flow log of vpc-0000000000000dead failed")

    def refuse(self, operation, params):
        raise botocore.exceptions.ClientError({"Error": {"Code": "AccessDenied", "Message": "no"}}, operation)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", refuse)
    result, failed = run_module(module.main, args(aws))
    assert failed and result["msg"].startswith("reading the flow logs of %s failed" % aws["vpc"])
