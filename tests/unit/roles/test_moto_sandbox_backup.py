"""roles/sandbox/files/moto_gaps.py: AWS Backup as AWS answers it where moto 5.2.5 differs:
the selection calls, and an unknown vault refused with AccessDeniedException. In process
(moto's mock_aws), with boto3."""

import boto3
import botocore.exceptions
import pytest
from moto import mock_aws

import moto_gaps

PLAN = {"BackupPlanName": "tb-prod", "Rules": [{"RuleName": "daily", "TargetBackupVaultName": "tb-prod"}]}
SELECTION = {"SelectionName": "tb-prod", "IamRoleArn": "arn:aws:iam::123456789012:role/tb-prod-backup",
             "Resources": ["arn:aws:ec2:*:*:volume/*"],
             "Conditions": {"StringEquals": [{"ConditionKey": "aws:ResourceTag/Project", "ConditionValue": "tb"}],
                            "StringLike": [], "StringNotEquals": [], "StringNotLike": []}}


@pytest.fixture
def backup():
    moto_gaps.patch()
    moto_gaps.patch()  # idempotent
    with mock_aws():
        yield boto3.client("backup", region_name="us-east-1", aws_access_key_id="testing",
                           aws_secret_access_key="testing")


def test_selection_lifecycle(backup):
    vault = backup.create_backup_vault(BackupVaultName="tb-prod")
    assert backup.describe_backup_vault(BackupVaultName="tb-prod")["BackupVaultArn"] == vault["BackupVaultArn"]
    plan_id = backup.create_backup_plan(BackupPlan=PLAN)["BackupPlanId"]
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []
    created = backup.create_backup_selection(BackupPlanId=plan_id, BackupSelection=SELECTION,
                                             CreatorRequestId="req-1")
    assert created["BackupPlanId"] == plan_id
    [listed] = backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"]
    assert (listed["SelectionId"], listed["SelectionName"], listed["IamRoleArn"]) == (
        created["SelectionId"], "tb-prod", SELECTION["IamRoleArn"])
    got = backup.get_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert got["BackupSelection"] == SELECTION and got["CreatorRequestId"] == "req-1"
    backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId=created["SelectionId"])
    assert backup.list_backup_selections(BackupPlanId=plan_id)["BackupSelectionsList"] == []


def test_unknown_selection_and_plan(backup):
    plan_id = backup.create_backup_plan(BackupPlan=PLAN)["BackupPlanId"]
    for call in (lambda: backup.get_backup_selection(BackupPlanId=plan_id, SelectionId="nope"),
                 lambda: backup.delete_backup_selection(BackupPlanId=plan_id, SelectionId="nope"),
                 lambda: backup.list_backup_selections(BackupPlanId="no-such-plan")):
        with pytest.raises(botocore.exceptions.ClientError) as error:
            call()
        assert error.value.response["Error"]["Code"] == "ResourceNotFoundException"


def test_vault_with_recovery_points(backup):
    from moto.backup.models import backup_backends

    backup.create_backup_vault(BackupVaultName="tb-prod", EncryptionKeyArn="arn:aws:kms:us-east-1:123456789012:key/k")
    described = backup.describe_backup_vault(BackupVaultName="tb-prod")
    assert (described["NumberOfRecoveryPoints"], described["EncryptionKeyArn"]) == (
        0, "arn:aws:kms:us-east-1:123456789012:key/k")
    backup_backends["123456789012"]["us-east-1"].vaults["tb-prod"].num_of_recovery_points = 3
    assert backup.describe_backup_vault(BackupVaultName="tb-prod")["NumberOfRecoveryPoints"] == 3
    with pytest.raises(botocore.exceptions.ClientError) as error:
        backup.delete_backup_vault(BackupVaultName="tb-prod")
    assert error.value.response["Error"]["Code"] == "InvalidRequestException"
    backup_backends["123456789012"]["us-east-1"].vaults["tb-prod"].num_of_recovery_points = 0
    backup.delete_backup_vault(BackupVaultName="tb-prod")
    assert backup.list_backup_vaults()["BackupVaultList"] == []


def test_unknown_vault_is_access_denied(backup):
    with pytest.raises(botocore.exceptions.ClientError) as error:
        backup.describe_backup_vault(BackupVaultName="no-such-vault")
    assert error.value.response["Error"]["Code"] == "AccessDeniedException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
