# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Calls moto 5.2.5 does not implement, added to it for the tests (not to the modules), on the
state moto already keeps. Shared by the unit tests (moto in-process) and the integration tests
(moto server in this process). Each is what the AWS API reference describes, no more:

- EC2 GetEbsDefaultKmsKeyId, ResetEbsDefaultKmsKeyId (moto has ModifyEbsDefaultKmsKeyId only):
  the region's default EBS key, the AWS managed alias/aws/ebs when none was set.
- CloudTrail DeleteTrail with the trail's ARN (what amazon.aws.cloudtrail sends): moto deletes
  only by name and silently keeps the trail; AWS takes either.
- AWS Budgets UpdateBudget, DescribeSubscribersForNotification, CreateSubscriber,
  DeleteSubscriber (moto keeps each notification's subscribers but serves none of these).
"""

import json

PATCHED = "_tradeops_moto_gaps"


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


def patch():
    """Add the calls once per process."""
    import moto

    if getattr(moto, PATCHED, False):
        return
    _ec2()
    _cloudtrail()
    _budgets()
    setattr(moto, PATCHED, True)
