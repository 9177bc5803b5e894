# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tradeops.aws.ec2_ebs_encryption_by_default against moto (the test double for EC2 and KMS; its
missing GetEbsDefaultKmsKeyId and ResetEbsDefaultKmsKeyId come from roles/sandbox/files/moto_gaps.py)."""

import boto3
import pytest
from moto import mock_aws

import moto_gaps
from ansible_collections.tradeops.aws.plugins.modules import ec2_ebs_encryption_by_default as module

AWS_MANAGED = "arn:aws:kms:us-east-1:123456789012:alias/aws/ebs"


@pytest.fixture
def aws(aws_env):
    moto_gaps.patch()
    with mock_aws():
        kms = boto3.client("kms", region_name="us-east-1")
        key = kms.create_key(Description="ebs")["KeyMetadata"]
        kms.create_alias(AliasName="alias/tb-ebs", TargetKeyId=key["KeyId"])
        yield dict(ec2=boto3.client("ec2", region_name="us-east-1"), key=key)


def observed(aws):
    return (aws["ec2"].get_ebs_encryption_by_default()["EbsEncryptionByDefault"],
            aws["ec2"].get_ebs_default_kms_key_id()["KmsKeyId"])


def test_check_mode_then_enable_then_noop(run_module, aws):
    result, failed = run_module(module.main, {"region": "us-east-1"}, check_mode=True, diff=True)
    assert not failed and result["changed"] and result["ebs_encryption_by_default"] is True
    assert result["diff"] == {"before": {"enabled": False, "kms_key_id": AWS_MANAGED},
                              "after": {"enabled": True, "kms_key_id": AWS_MANAGED}}
    assert observed(aws) == (False, AWS_MANAGED)
    result, failed = run_module(module.main, {"region": "us-east-1"})
    assert not failed and result["changed"] and observed(aws) == (True, AWS_MANAGED)
    result, failed = run_module(module.main, {"region": "us-east-1"}, check_mode=True)
    assert not failed and result["changed"] is False
    result, failed = run_module(module.main, {"region": "us-east-1"})
    assert not failed and result["changed"] is False and result["kms_key_id"] == AWS_MANAGED


def test_own_key_by_alias_then_by_arn_is_no_change(run_module, aws):
    args = {"region": "us-east-1", "kms_key_id": "alias/tb-ebs"}
    result, failed = run_module(module.main, args, check_mode=True)
    assert not failed and result["changed"] and result["kms_key_id"] == aws["key"]["Arn"]
    assert observed(aws) == (False, AWS_MANAGED)
    result, failed = run_module(module.main, args)
    assert not failed and result["changed"] and observed(aws) == (True, aws["key"]["Arn"])
    result, failed = run_module(module.main, dict(args, kms_key_id=aws["key"]["Arn"]))
    assert not failed and result["changed"] is False
    result, failed = run_module(module.main, dict(args, kms_key_id=aws["key"]["KeyId"]))
    assert not failed and result["changed"] is False
    # Without kms_key_id the key is left as it is.
    result, failed = run_module(module.main, {"region": "us-east-1"})
    assert not failed and result["changed"] is False and result["kms_key_id"] == aws["key"]["Arn"]


def test_back_to_the_aws_managed_key_and_off(run_module, aws):
    run_module(module.main, {"region": "us-east-1", "kms_key_id": "alias/tb-ebs"})
    args = {"region": "us-east-1", "enabled": False, "kms_key_id": "alias/aws/ebs"}
    result, failed = run_module(module.main, args, diff=True)
    assert not failed and result["changed"] and observed(aws) == (False, AWS_MANAGED)
    assert result["diff"]["before"] == {"enabled": True, "kms_key_id": aws["key"]["Arn"]}
    result, failed = run_module(module.main, args)
    assert not failed and result["changed"] is False


def test_an_aws_managed_key_by_arn_counts_as_the_default(run_module, aws, monkeypatch):
    real = module.EbsDefaults.kms

    def aws_managed(self):
        client = real(self)
        monkeypatch.setattr(client, "describe_key", lambda **kw: {"KeyMetadata": {"Arn": "x", "KeyManager": "AWS"}})
        return client

    monkeypatch.setattr(module.EbsDefaults, "kms", aws_managed)
    result, failed = run_module(module.main, {"region": "us-east-1", "enabled": False,
                                              "kms_key_id": "0123abcd-0000-0000-0000-000000000000"})
    assert not failed and result["changed"] is False


def test_errors(run_module, aws, refuse):
    result, failed = run_module(module.main, {"region": "us-east-1", "kms_key_id": "alias/missing"})
    assert failed and result["msg"] == "KMS key alias/missing not found"
    assert observed(aws) == (False, AWS_MANAGED)  # nothing half-changed
    for operation, args, message in (
            ("GetEbsEncryptionByDefault", {}, "reading the EBS encryption by default failed"),
            ("EnableEbsEncryptionByDefault", {}, "turning EBS encryption by default on failed"),
            ("DescribeKey", {"kms_key_id": "alias/tb-ebs"}, "KMS key alias/tb-ebs not found"),
            ("ModifyEbsDefaultKmsKeyId", {"kms_key_id": "alias/tb-ebs"}, "setting the default EBS KMS key to"),
    ):
        refuse(operation, "UnauthorizedOperation")
        result, failed = run_module(module.main, dict(args, region="us-east-1"))
        assert failed and result["msg"].startswith(message), (operation, result["msg"])
    for operation, message in (("DisableEbsEncryptionByDefault", "turning EBS encryption by default off failed"),
                               ("ResetEbsDefaultKmsKeyId", "resetting the default EBS KMS key failed")):
        refuse(None)
        run_module(module.main, {"region": "us-east-1", "kms_key_id": "alias/tb-ebs"})
        refuse(operation, "UnauthorizedOperation")
        result, failed = run_module(module.main, {"region": "us-east-1", "enabled": False,
                                                  "kms_key_id": "alias/aws/ebs"})
        assert failed and result["msg"].startswith(message), (operation, result["msg"])
