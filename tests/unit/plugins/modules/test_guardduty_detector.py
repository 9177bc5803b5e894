# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tradeops.aws.guardduty_detector against moto (the test double for GuardDuty)."""

import boto3
import pytest
from moto import mock_aws

from ansible_collections.tradeops.aws.plugins.modules import guardduty_detector as module

REGION = {"region": "us-east-1"}


@pytest.fixture
def guardduty(aws_env):
    with mock_aws():
        yield boto3.client("guardduty", region_name="us-east-1")


def detectors(client):
    return [dict(client.get_detector(DetectorId=d), id=d) for d in client.list_detectors()["DetectorIds"]]


def test_check_mode_then_create_then_noop(run_module, guardduty):
    args = dict(REGION, finding_publishing_frequency="ONE_HOUR", tags={"ManagedBy": "tradeops"})
    result, failed = run_module(module.main, args, check_mode=True, diff=True)
    assert not failed and result["changed"] and result["detector_id"] == "" and detectors(guardduty) == []
    assert result["diff"] == {"before": {}, "after": {"enable": True, "finding_publishing_frequency": "ONE_HOUR"}}
    result, failed = run_module(module.main, args)
    assert not failed and result["changed"]
    [made] = detectors(guardduty)
    assert (made["Status"], made["FindingPublishingFrequency"], made["Tags"]) == (
        "ENABLED", "ONE_HOUR", {"ManagedBy": "tradeops"})
    assert result["detector_id"] == made["id"] and result["detector"]["status"] == "ENABLED"
    assert result["detector"]["tags"] == {"ManagedBy": "tradeops"}
    for check_mode in (True, False):
        result, failed = run_module(module.main, args, check_mode=check_mode, diff=True)
        assert not failed and result["changed"] is False and result["detector_id"] == made["id"]
        assert result["diff"]["before"] == result["diff"]["after"]
    # Without a frequency the detector's own is kept.
    result, failed = run_module(module.main, REGION)
    assert not failed and result["changed"] is False


def test_a_new_detector_without_frequency_gets_the_aws_default(run_module, guardduty):
    result, failed = run_module(module.main, REGION, check_mode=True, diff=True)
    assert result["diff"]["after"]["finding_publishing_frequency"] == "SIX_HOURS"
    result, failed = run_module(module.main, REGION)
    assert not failed and detectors(guardduty)[0]["FindingPublishingFrequency"] == "SIX_HOURS"


def test_an_existing_detector_is_taken_over_and_updated(run_module, guardduty):
    detector_id = guardduty.create_detector(Enable=False)["DetectorId"]
    args = dict(REGION, finding_publishing_frequency="FIFTEEN_MINUTES")
    result, failed = run_module(module.main, args, check_mode=True, diff=True)
    assert not failed and result["changed"] and detectors(guardduty)[0]["Status"] == "DISABLED"
    assert result["diff"]["before"] == {"enable": False, "finding_publishing_frequency": "SIX_HOURS"}
    assert result["diff"]["after"] == {"enable": True, "finding_publishing_frequency": "FIFTEEN_MINUTES"}
    result, failed = run_module(module.main, args)
    assert not failed and result["changed"] and result["detector_id"] == detector_id
    [made] = detectors(guardduty)
    assert (made["Status"], made["FindingPublishingFrequency"]) == ("ENABLED", "FIFTEEN_MINUTES")
    result, failed = run_module(module.main, dict(REGION, enable=False))
    assert not failed and result["changed"] and detectors(guardduty)[0]["Status"] == "DISABLED"


def test_absent(run_module, guardduty):
    run_module(module.main, REGION)
    result, failed = run_module(module.main, dict(REGION, state="absent"), check_mode=True)
    assert not failed and result["changed"] and len(detectors(guardduty)) == 1
    result, failed = run_module(module.main, dict(REGION, state="absent"))
    assert not failed and result["changed"] and detectors(guardduty) == [] and result["detector_id"] == ""
    result, failed = run_module(module.main, dict(REGION, state="absent"))
    assert not failed and result["changed"] is False


@pytest.mark.parametrize("operation, setup, args, message", [
    ("ListDetectors", False, {}, "listing the GuardDuty detectors failed"),
    ("GetDetector", True, {}, "reading GuardDuty detector "),
    ("CreateDetector", False, {}, "creating the GuardDuty detector failed"),
    ("UpdateDetector", True, {"enable": False}, "updating GuardDuty detector "),
    ("DeleteDetector", True, {"state": "absent"}, "deleting GuardDuty detector "),
])
def test_errors(run_module, guardduty, refuse, operation, setup, args, message):
    if setup:
        guardduty.create_detector(Enable=True)
    refuse(operation)
    result, failed = run_module(module.main, dict(REGION, **args))
    assert failed and result["msg"].startswith(message), result["msg"]
