# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What moto 5.2.5 lacks or gets wrong that the collection relies on, patched in place on the
state moto already keeps. One module for both test doubles of AWS: the sandbox's moto server
(moto_sandbox.py, beside this file in the cloud image) and the tests' moto (unit tests
in-process, integration tests' server), so both answer alike. Each is what the AWS API
reference describes, no more:

- KMS ScheduleKeyDeletion with a key ARN (what amazon.aws.kms_key sends) raises KeyError; AWS
  accepts an ARN: resolve it to the key id.
- RDS DescribeDBEngineVersions is not implemented: answer with moto's own default version of
  the engine (the one it gives a new cluster or instance) or the version asked for, and the
  parameter group family AWS derives from it (the major version: postgres16,
  aurora-postgresql16, mysql8.0, aurora-mysql8.0, mariadb10.11).
- RDS: a new parameter group lists none of its family's parameters (AWS lists them all, with
  their engine defaults, and amazon.aws's modules set only parameters listed): a new group lists
  the ones the collection sets, with AWS's defaults (TLS_PARAMETERS).
- RDS DescribeDBParameterGroups of a name that does not exist answers an empty list; AWS answers
  DBParameterGroupNotFound (what amazon.aws.rds_instance_param_group expects).
- EC2 GetEbsDefaultKmsKeyId, ResetEbsDefaultKmsKeyId (moto has ModifyEbsDefaultKmsKeyId only):
  the region's default EBS key, the AWS managed alias/aws/ebs when none was set.
- CloudTrail DeleteTrail with the trail's ARN (what amazon.aws.cloudtrail sends): moto deletes
  only by name and silently keeps the trail; AWS takes either.
- AWS Budgets UpdateBudget, DescribeSubscribersForNotification, CreateSubscriber,
  DeleteSubscriber (moto keeps each notification's subscribers but serves none of these).
- AWS Backup: DescribeBackupVault of a vault that does not exist is refused with
  AccessDeniedException on AWS (what amazon.aws.backup_vault expects), moto answers
  ResourceNotFoundException; moto's DescribeBackupVault leaves out NumberOfRecoveryPoints and
  its DeleteBackupVault deletes a vault that holds recovery points (AWS refuses with
  InvalidRequestException); the selection calls (CreateBackupSelection, GetBackupSelection,
  ListBackupSelections, DeleteBackupSelection) are missing: kept per plan as AWS answers them
  (no resource is ever backed up: moto runs no backup job).
"""

import json

PATCHED = "_tradeops_moto_gaps"


def _kms():
    from moto.kms import models as kms_models

    original = kms_models.KmsBackend.schedule_key_deletion

    def schedule_key_deletion(self, key_id, pending_window_in_days):
        return original(self, self.get_key_id(key_id), pending_window_in_days)

    kms_models.KmsBackend.schedule_key_deletion = schedule_key_deletion


def _rds():
    from moto.rds import exceptions as rds_exceptions
    from moto.rds import models as rds_models
    from moto.rds import responses as rds_responses

    def describe_db_engine_versions(self):
        engine = self.params.get("Engine") or "postgres"
        version = self.params.get("EngineVersion")
        if not version:
            if engine.startswith("aurora"):
                version = rds_models.DBCluster.default_engine_version(engine)
            else:
                version = rds_models.DBInstance.default_engine_versions.get(engine, "10.11.10")
        return rds_responses.ActionResult({"DBEngineVersions": [{
            "Engine": engine,
            "EngineVersion": version,
            "DBParameterGroupFamily": engine_family(engine, version),
            "MajorEngineVersion": _major_version(engine, version),
            "Status": "available",
        }]})

    rds_responses.RDSResponse.describe_db_engine_versions = describe_db_engine_versions

    original_describe = rds_models.RDSBackend.describe_db_parameter_groups

    def describe_db_parameter_groups(self, db_parameter_group_kwargs):
        found = original_describe(self, db_parameter_group_kwargs)
        name = db_parameter_group_kwargs.get("db_parameter_group_name")
        if name and not found:
            raise rds_exceptions.DBParameterGroupNotFoundError(name)
        return found

    rds_models.RDSBackend.describe_db_parameter_groups = describe_db_parameter_groups

    for cls, family_attribute in ((rds_models.DBParameterGroup, "family"),
                                  (rds_models.DBClusterParameterGroup, "db_parameter_group_family")):
        _list_tls_parameters(cls, family_attribute)


# The parameters that make the server refuse plaintext, with AWS's default values: rds.force_ssl
# (PostgreSQL, boolean 0/1) and require_secure_transport (MySQL and MariaDB: boolean in DB
# parameter groups, ON/OFF in Aurora MySQL's cluster parameter groups).
TLS_PARAMETERS = (("postgres", "rds.force_ssl", "boolean", "0"),
                  ("mysql", "require_secure_transport", "boolean", "0"),
                  ("mariadb", "require_secure_transport", "boolean", "0"))


def _list_tls_parameters(cls, family_attribute):
    original = cls.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        family = getattr(self, family_attribute, None) or ""
        for engine, name, data_type, default in TLS_PARAMETERS:
            if engine in family and name not in self.parameters:
                cluster_mysql = family.startswith("aurora-mysql") and cls.__name__ == "DBClusterParameterGroup"
                self.parameters[name] = {
                    "ParameterName": name,
                    "ParameterValue": "OFF" if cluster_mysql else default,
                    "DataType": "string" if cluster_mysql else data_type,
                    "AllowedValues": "ON,OFF" if cluster_mysql else "0,1",
                    "IsModifiable": True, "ApplyType": "dynamic", "Source": "engine-default",
                }

    cls.__init__ = __init__


def _major_version(engine, version):
    parts = version.split(".")
    if "postgres" in engine and parts[0].isdigit() and int(parts[0]) >= 10:
        return parts[0]
    return ".".join(parts[:2])


def engine_family(engine, version):
    """The RDS parameter group family of an engine version (postgres16, aurora-mysql8.0, ...)."""
    return engine + _major_version(engine, version)


def _aws_managed_ebs_key(backend):
    return "arn:aws:kms:%s:%s:alias/aws/ebs" % (backend.region_name, backend.account_id)


def _ec2():
    from moto.core.responses import ActionResult
    from moto.ec2.responses.elastic_block_store import ElasticBlockStore

    def get_ebs_default_kms_key_id(self):
        return ActionResult({"KmsKeyId": self.ec2_backend.default_kms_key_id or _aws_managed_ebs_key(self.ec2_backend)})

    def reset_ebs_default_kms_key_id(self):
        self.ec2_backend.default_kms_key_id = ""
        return ActionResult({"KmsKeyId": _aws_managed_ebs_key(self.ec2_backend)})

    ElasticBlockStore.get_ebs_default_kms_key_id = get_ebs_default_kms_key_id
    ElasticBlockStore.reset_ebs_default_kms_key_id = reset_ebs_default_kms_key_id


def _cloudtrail():
    from moto.cloudtrail.models import CloudTrailBackend

    original = CloudTrailBackend.delete_trail

    def delete_trail(self, name):
        for trail in list(self.trails.values()):
            if trail.arn == name:
                name = trail.trail_name
        return original(self, name)

    CloudTrailBackend.delete_trail = delete_trail


def _budgets():
    from moto.budgets.exceptions import NotFoundException
    from moto.budgets.responses import BudgetsResponse

    def budget(self, name=None):
        name = name or self._get_param("BudgetName")
        found = self.backend.budgets[self._get_param("AccountId")].get(name)
        if found is None:
            raise NotFoundException("Unable to find budget: %s" % name)
        return found

    def notification(self):
        wanted = self._get_param("Notification")
        for each in budget(self).notifications:
            if each.details == wanted:
                return each
        raise NotFoundException("Unable to find notification")

    def update_budget(self):
        new = self._get_param("NewBudget")
        current = budget(self, new["BudgetName"])
        kept = dict((k, v) for k, v in current.budget.items() if k in ("TimePeriod", "LastUpdatedTime"))
        current.budget = dict(kept, **new)
        return json.dumps({})

    def describe_subscribers_for_notification(self):
        return json.dumps({"Subscribers": notification(self).subscribers})

    def create_subscriber(self):
        notification(self).subscribers.append(self._get_param("Subscriber"))
        return json.dumps({})

    def delete_subscriber(self):
        found = notification(self)
        found.subscribers = [s for s in found.subscribers if s != self._get_param("Subscriber")]
        return json.dumps({})

    BudgetsResponse.update_budget = update_budget
    BudgetsResponse.describe_subscribers_for_notification = describe_subscribers_for_notification
    BudgetsResponse.create_subscriber = create_subscriber
    BudgetsResponse.delete_subscriber = delete_subscriber


def _backup():
    """AWS Backup as AWS answers it where moto 5.2.5 differs: an unknown vault is AccessDenied, and
    the selection calls moto lacks, on its backup backend and responses (the selections live in
    the backend, so they are saved with the state)."""
    import time

    from moto.backup import models as backup_models
    from moto.backup import responses as backup_responses
    from moto.core.exceptions import JsonRESTError
    from moto.moto_api._internal import mock_random
    backend_class = backup_models.BackupBackend
    describe_vault = backend_class.describe_backup_vault

    def describe_backup_vault(self, backup_vault_name):
        if backup_vault_name not in self.vaults:
            error = JsonRESTError("AccessDeniedException", "Insufficient privileges to perform this action.")
            error.code = 403
            raise error
        return describe_vault(self, backup_vault_name)

    backend_class.describe_backup_vault = describe_backup_vault
    # DescribeBackupVault's NumberOfRecoveryPoints (moto's serializer reads the attribute of that name).
    backup_models.Vault.number_of_recovery_points = property(lambda vault: vault.num_of_recovery_points)
    delete_vault = backend_class.delete_backup_vault

    def delete_backup_vault(self, backup_vault_name):
        vault = self.vaults.get(backup_vault_name)
        if vault is not None and vault.num_of_recovery_points:
            raise JsonRESTError("InvalidRequestException",
                                "Backup vault cannot be deleted because it contains recovery points.")
        return delete_vault(self, backup_vault_name)

    backend_class.delete_backup_vault = delete_backup_vault

    def selections(backend, plan_id):
        if plan_id not in backend.plans:
            raise backup_models.ResourceNotFoundException(msg="Backup plan %s not found" % plan_id)
        return backend.__dict__.setdefault("selections", {}).setdefault(plan_id, {})

    def plan_and_selection(response):
        parts = response.path.split("?")[0].rstrip("/").split("/")
        index = parts.index("plans")
        return parts[index + 1], (parts[index + 3] if len(parts) > index + 3 else None)

    def create_backup_selection(response):
        plan_id = plan_and_selection(response)[0]
        params = json.loads(response.body)
        selection_id = str(mock_random.uuid4())
        entry = {"SelectionId": selection_id, "BackupPlanId": plan_id, "CreationDate": time.time(),
                 "CreatorRequestId": params.get("CreatorRequestId") or "", "BackupSelection": params["BackupSelection"]}
        selections(response.backup_backend, plan_id)[selection_id] = entry
        return json.dumps({k: entry[k] for k in ("SelectionId", "BackupPlanId", "CreationDate", "CreatorRequestId")})

    def get_backup_selection(response):
        plan_id, selection_id = plan_and_selection(response)
        found = selections(response.backup_backend, plan_id)
        if selection_id not in found:
            raise backup_models.ResourceNotFoundException(msg="Backup selection %s not found" % selection_id)
        return json.dumps(found[selection_id])

    def list_backup_selections(response):
        plan_id = plan_and_selection(response)[0]
        listed = [{"SelectionId": e["SelectionId"], "SelectionName": e["BackupSelection"]["SelectionName"],
                   "BackupPlanId": plan_id, "CreationDate": e["CreationDate"],
                   "CreatorRequestId": e["CreatorRequestId"], "IamRoleArn": e["BackupSelection"]["IamRoleArn"]}
                  for e in selections(response.backup_backend, plan_id).values()]
        return json.dumps({"BackupSelectionsList": listed})

    def delete_backup_selection(response):
        plan_id, selection_id = plan_and_selection(response)
        if selections(response.backup_backend, plan_id).pop(selection_id, None) is None:
            raise backup_models.ResourceNotFoundException(msg="Backup selection %s not found" % selection_id)
        return "{}"

    for handler in (create_backup_selection, get_backup_selection, list_backup_selections, delete_backup_selection):
        setattr(backup_responses.BackupResponse, handler.__name__, handler)


def patch():
    """Add the calls once per process."""
    import moto

    if getattr(moto, PATCHED, False):
        return
    _kms()
    _rds()
    _ec2()
    _cloudtrail()
    _budgets()
    _backup()
    setattr(moto, PATCHED, True)
