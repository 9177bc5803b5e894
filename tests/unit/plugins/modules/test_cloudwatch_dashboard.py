# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""cloudwatch_dashboard against moto's in-process CloudWatch (the test double for AWS)."""

import json

import boto3
import pytest
from moto import mock_aws

from ansible_collections.tradeops.aws.plugins.modules import cloudwatch_dashboard as cd

BODY = {"widgets": [{"type": "metric", "x": 0, "y": 0, "width": 12, "height": 6,
                     "properties": {"title": "CPU", "region": "us-east-1",
                                    "metrics": [["AWS/EC2", "CPUUtilization", "InstanceId", "i-1"]]}}]}


@pytest.fixture
def cloudwatch(aws_env):
    with mock_aws():
        yield boto3.client("cloudwatch", region_name="us-east-1")


def stored(client, name):
    return json.loads(client.get_dashboard(DashboardName=name)["DashboardBody"])


def test_create_then_noop(run_module, cloudwatch):
    result, failed = run_module(cd.main, {"name": "bots", "body": BODY})
    assert not failed and result["changed"]
    assert stored(cloudwatch, "bots") == BODY
    assert result["dashboard"]["body"] == BODY
    result, failed = run_module(cd.main, {"name": "bots", "body": BODY})
    assert not failed and not result["changed"]


def test_update_with_diff(run_module, cloudwatch):
    run_module(cd.main, {"name": "bots", "body": BODY})
    new = {"widgets": BODY["widgets"] * 2}
    result, failed = run_module(cd.main, {"name": "bots", "body": new}, diff=True)
    assert not failed and result["changed"]
    assert result["diff"] == {"before": BODY, "after": new}
    assert stored(cloudwatch, "bots") == new


def test_check_mode_changes_nothing(run_module, cloudwatch):
    result, failed = run_module(cd.main, {"name": "bots", "body": BODY}, check_mode=True)
    assert not failed and result["changed"]
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []


def test_absent(run_module, cloudwatch):
    run_module(cd.main, {"name": "bots", "body": BODY})
    result, failed = run_module(cd.main, {"name": "bots", "state": "absent"})
    assert not failed and result["changed"] and result["dashboard"] == {}
    assert cloudwatch.list_dashboards()["DashboardEntries"] == []
    result, failed = run_module(cd.main, {"name": "bots", "state": "absent"})
    assert not failed and not result["changed"]


def test_body_required_when_present(run_module, cloudwatch):
    result, failed = run_module(cd.main, {"name": "bots"})
    assert failed and "body" in result["msg"]
