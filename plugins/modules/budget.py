#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: budget
short_description: Manage an AWS Budgets cost budget and its notifications
version_added: 0.2.0
description:
  - Creates, updates and deletes a cost budget of the account in AWS Budgets, with its
    notifications and their subscribers (DescribeBudget, CreateBudget, UpdateBudget,
    DeleteBudget, DescribeNotificationsForBudget, CreateNotification, DeleteNotification,
    DescribeSubscribersForNotification, CreateSubscriber, DeleteSubscriber). Neither amazon.aws
    nor community.aws has a module for AWS Budgets.
  - A budget is found by its name in the account (AWS Budgets API Reference). Its limit, period
    and tag filter are updated in place (UpdateBudget; AWS then shows no spend until its next
    billing data); a notification whose type, operator, threshold or threshold type differ is
    deleted and created again; subscribers are added before the ones no longer listed are removed
    (a notification must always have one).
  - AWS Budgets is a global service (its endpoint is C(budgets.amazonaws.com)); O(region) only
    picks the partition.
  - Idempotent, with check mode and diff mode.
author:
  - tradeops maintainers (@tradeops)
options:
  name:
    description:
      - The budget's name, unique in the account (at most 100 characters, no C(:) or C(\)).
    type: str
    required: true
  state:
    description:
      - V(present) creates or updates the budget; V(absent) deletes it with its notifications.
    type: str
    choices: [present, absent]
    default: present
  amount:
    description:
      - The budget's limit in USD for each O(time_unit) (more than 0). Required when O(state=present).
      - AWS keeps it as a decimal string; it is compared to two decimal places.
    type: float
  time_unit:
    description:
      - The period the limit is for; a budget resets at the start of each.
    type: str
    choices: [DAILY, MONTHLY, QUARTERLY, ANNUALLY]
    default: MONTHLY
  cost_filter_tags:
    description:
      - Count only the cost of resources carrying every one of these tags (key and value), a
        filter expression of AWS Budgets (C(FilterExpression), C(And) of C(Tags) with
        C(EQUALS)). Empty or unset, the budget counts the whole account.
      - AWS Billing sees a tag only once it is activated as a user-defined cost allocation tag
        (Billing console or C(ce:UpdateCostAllocationTagsStatus)), and then only for costs from
        that day on; until then a budget filtered by it counts no cost.
    type: dict
  notifications:
    description:
      - The budget's notifications; those of the budget not listed are deleted.
    type: list
    elements: dict
    default: []
    suboptions:
      notification_type:
        description: Compare the ACTUAL spend or the FORECASTED spend of the period.
        type: str
        choices: [ACTUAL, FORECASTED]
        required: true
      threshold:
        description: Percent of the limit (O(notifications[].threshold_type=PERCENTAGE)) or USD.
        type: float
        required: true
      comparison_operator:
        description: How the spend is compared with the threshold.
        type: str
        choices: [GREATER_THAN, LESS_THAN, EQUAL_TO]
        default: GREATER_THAN
      threshold_type:
        description: The threshold as a percentage of the limit or an absolute amount in USD.
        type: str
        choices: [PERCENTAGE, ABSOLUTE_VALUE]
        default: PERCENTAGE
  subscribers:
    description:
      - Who every notification goes to (one to ten per notification). Required when
        O(notifications) is not empty.
      - An SNS topic's policy must allow C(budgets.amazonaws.com) to C(SNS:Publish) to it, or AWS
        refuses the subscriber.
    type: list
    elements: dict
    default: []
    suboptions:
      subscription_type:
        description: An SNS topic (its ARN) or an e-mail address.
        type: str
        choices: [SNS, EMAIL]
        required: true
      address:
        description: The topic's ARN or the e-mail address.
        type: str
        required: true
  account_id:
    description:
      - The account the budget is in; unset, the caller's (C(sts:GetCallerIdentity)).
    type: str
notes:
  - Errors the module raises (the parts in capitals are filled in); AWS errors add the AWS
    message and error code.
  - >-
    Error: C(amount is required to create or update a budget), C(amount must be more than 0 USD,
    not AMOUNT), C(subscribers are required when notifications are given).
  - >-
    Error: C(finding the account failed) (C(sts:GetCallerIdentity)), C(reading budget NAME
    failed), C(reading the notifications of budget NAME failed).
  - >-
    Error: C(creating budget NAME failed), C(updating budget NAME failed), C(deleting budget NAME
    failed), C(creating a notification of budget NAME failed) (for example an SNS topic whose
    policy does not allow C(budgets.amazonaws.com) to publish, C(AccessDeniedException)),
    C(deleting a notification of budget NAME failed), C(changing the subscribers of a
    notification of budget NAME failed).
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: Reports what would change without creating, updating or deleting.
  diff_mode:
    support: full
    description: Shows the budget, its notifications and subscribers before and after.
"""

EXAMPLES = r"""
- name: A monthly budget of the deployment's resources, alerting its alarm topic
  tradeops.aws.budget:
    name: tradebot-prod-monthly
    amount: 88.05
    time_unit: MONTHLY
    cost_filter_tags:
      Project: tradebot
      Environment: prod
    notifications:
      - {notification_type: ACTUAL, threshold: 80}
      - {notification_type: FORECASTED, threshold: 100}
    subscribers:
      - subscription_type: SNS
        address: arn:aws:sns:us-east-1:123456789012:tradebot-prod-alarms

- name: Remove it
  tradeops.aws.budget:
    name: tradebot-prod-monthly
    state: absent
"""

RETURN = r"""
budget:
  description: The budget after the run (in check mode, what it would be); empty when absent.
  returned: always
  type: dict
  contains:
    name:
      description: The budget's name.
      type: str
      sample: tradebot-prod-monthly
    amount:
      description: The limit for each period, in USD.
      type: float
      sample: 88.05
    unit:
      description: The limit's currency as AWS reports it.
      type: str
      sample: USD
    time_unit:
      description: The period of the limit.
      type: str
      sample: MONTHLY
    cost_filter_tags:
      description: The tags whose resources' cost is counted (empty for the whole account).
      type: dict
      sample: {Project: tradebot, Environment: prod}
    notifications:
      description: The notifications, each with its subscribers.
      type: list
      elements: dict
      sample:
        - notification_type: ACTUAL
          comparison_operator: GREATER_THAN
          threshold: 80.0
          threshold_type: PERCENTAGE
          subscribers:
            - {subscription_type: SNS, address: "arn:aws:sns:us-east-1:123456789012:tradebot-prod-alarms"}
account_id:
  description: The account the budget is in.
  returned: always
  type: str
  sample: "123456789012"
"""

import json
from decimal import Decimal

try:
    import botocore
except ImportError:
    pass  # caught by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

BOTO_ERRORS = (botocore.exceptions.ClientError, botocore.exceptions.BotoCoreError) if "botocore" in globals() else ()
CENT = Decimal("0.01")


def cents(value):
    return Decimal(str(value)).quantize(CENT)


def filter_expression(tags):
    """The FilterExpression counting only resources with every tag of ``tags``; None for none."""
    items = [{"Tags": {"Key": key, "Values": [str(tags[key])], "MatchOptions": ["EQUALS"]}} for key in sorted(tags or {})]
    if not items:
        return None
    return items[0] if len(items) == 1 else {"And": items}


def filter_tags(budget):
    """The tag filter of a budget as {key: value}; None when it filters on anything else."""
    expression = budget.get("FilterExpression")
    if budget.get("CostFilters"):
        return None
    if not expression:
        return {}
    items = expression.get("And") if set(expression) == {"And"} else [expression]
    found = {}
    for item in items:
        tag = item.get("Tags") if set(item) == {"Tags"} else None
        if not tag or len(tag.get("Values") or []) != 1 or tag.get("MatchOptions", ["EQUALS"]) != ["EQUALS"]:
            return None
        found[tag["Key"]] = tag["Values"][0]
    return found


def notification_key(notification):
    return (notification["NotificationType"], notification.get("ComparisonOperator", "GREATER_THAN"),
            cents(notification["Threshold"]), notification.get("ThresholdType", "PERCENTAGE"))


def subscriber_key(subscriber):
    return (subscriber["SubscriptionType"], subscriber["Address"])


class Budgets(object):
    def __init__(self, module):
        self.module = module
        self.name = module.params["name"]
        # A global service: any region of the partition resolves to its one endpoint.
        self.client = module.client("budgets", region=module.region or "us-east-1",
                                    retry_decorator=AWSRetry.jittered_backoff())
        self.account_id = module.params["account_id"] or self.caller_account()

    def caller_account(self):
        try:
            sts = self.module.client("sts", retry_decorator=AWSRetry.jittered_backoff())
            return sts.get_caller_identity(aws_retry=True)["Account"]
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg="finding the account failed")

    def call(self, method, msg, **request):
        if method not in ("create_budget", "update_budget"):  # they name it in the budget
            request["BudgetName"] = self.name
        try:
            return getattr(self.client, method)(aws_retry=True, AccountId=self.account_id, **request)
        except BOTO_ERRORS as e:
            self.module.fail_json_aws(e, msg=msg % self.name)

    def find(self):
        """(DescribeBudget's budget or None, [(notification, [subscribers])])."""
        try:
            budget = self.client.describe_budget(aws_retry=True, AccountId=self.account_id,
                                                 BudgetName=self.name)["Budget"]
        except is_boto3_error_code("NotFoundException"):
            return None, []
        except BOTO_ERRORS as e:  # pylint: disable=duplicate-except
            self.module.fail_json_aws(e, msg="reading budget %s failed" % self.name)
        msg = "reading the notifications of budget %s failed"
        notifications = self.call("describe_notifications_for_budget", msg).get("Notifications") or []
        found = []
        for notification in notifications:
            subscribers = self.call("describe_subscribers_for_notification", msg,
                                    Notification=notification).get("Subscribers") or []
            found.append((notification, subscribers))
        return budget, found


def wanted_budget(params, current=None):
    budget = dict(
        BudgetName=params["name"],
        BudgetType="COST",
        TimeUnit=params["time_unit"],
        BudgetLimit={"Amount": str(cents(params["amount"])), "Unit": "USD"},
    )
    # What the module does not manage stays as AWS has it (UpdateBudget replaces the budget).
    for key in ("TimePeriod", "CostTypes"):
        if current and key in current:
            budget[key] = current[key]
    expression = filter_expression(params["cost_filter_tags"])
    if expression:
        budget["FilterExpression"] = expression
    return budget


def wanted_notifications(params):
    return [{"NotificationType": n["notification_type"], "ComparisonOperator": n["comparison_operator"],
             "Threshold": float(n["threshold"]), "ThresholdType": n["threshold_type"]}
            for n in params["notifications"]]


def wanted_subscribers(params):
    return [{"SubscriptionType": s["subscription_type"], "Address": s["address"]} for s in params["subscribers"]]


def budget_differs(budget, params):
    limit = budget.get("BudgetLimit") or {}
    return (limit.get("Unit") != "USD" or cents(limit.get("Amount", "0")) != cents(params["amount"])
            or budget.get("TimeUnit") != params["time_unit"] or budget.get("BudgetType") != "COST"
            or filter_tags(budget) != dict((k, str(v)) for k, v in (params["cost_filter_tags"] or {}).items()))


def describe(budget, notifications):
    if not budget:
        return {}
    limit = budget.get("BudgetLimit") or {}
    return {
        "name": budget["BudgetName"],
        "amount": float(cents(limit.get("Amount", "0"))),
        "unit": limit.get("Unit", "USD"),
        "time_unit": budget.get("TimeUnit"),
        "cost_filter_tags": filter_tags(budget) or {},
        "notifications": sorted(
            [{"notification_type": n["NotificationType"],
              "comparison_operator": n.get("ComparisonOperator", "GREATER_THAN"),
              "threshold": float(n["Threshold"]),
              "threshold_type": n.get("ThresholdType", "PERCENTAGE"),
              "subscribers": sorted([{"subscription_type": s["SubscriptionType"], "address": s["Address"]}
                                     for s in subscribers], key=lambda s: (s["subscription_type"], s["address"]))}
             for n, subscribers in notifications],
            key=lambda n: json.dumps(n, sort_keys=True)),
    }


def ensure_notifications(budgets, found, wanted, subscribers):
    """Make the budget's notifications the wanted ones; True when something changed."""
    check = budgets.module.check_mode
    changed = False
    by_key = dict((notification_key(n), (n, s)) for n, s in found)
    wanted_keys = [notification_key(n) for n in wanted]
    for key, (notification, _subs) in by_key.items():
        if key not in wanted_keys:
            changed = True
            if not check:
                budgets.call("delete_notification", "deleting a notification of budget %s failed",
                             Notification=notification)
    for notification in wanted:
        key = notification_key(notification)
        if key not in by_key:
            changed = True
            if not check:
                budgets.call("create_notification", "creating a notification of budget %s failed",
                             Notification=notification, Subscribers=subscribers)
            continue
        existing, existing_subscribers = by_key[key]
        have = [subscriber_key(s) for s in existing_subscribers]
        want = [subscriber_key(s) for s in subscribers]
        add = [s for s in subscribers if subscriber_key(s) not in have]
        remove = [s for s in existing_subscribers if subscriber_key(s) not in want]
        if add or remove:
            changed = True
            if not check:
                msg = "changing the subscribers of a notification of budget %s failed"
                for subscriber in add:
                    budgets.call("create_subscriber", msg, Notification=existing, Subscriber=subscriber)
                for subscriber in remove:
                    budgets.call("delete_subscriber", msg, Notification=existing, Subscriber=subscriber)
    return changed


def ensure_present(budgets, budget, found):
    p = budgets.module.params
    check = budgets.module.check_mode
    notifications = wanted_notifications(p)
    subscribers = wanted_subscribers(p)
    planned = (wanted_budget(p, budget), [(n, subscribers) for n in notifications])
    if budget is None:
        if not check:
            request = {"Budget": planned[0]}
            if notifications:
                request["NotificationsWithSubscribers"] = [
                    {"Notification": n, "Subscribers": subscribers} for n in notifications]
            budgets.call("create_budget", "creating budget %s failed", **request)
        return True, planned
    changed = False
    if budget_differs(budget, p):
        changed = True
        if not check:
            budgets.call("update_budget", "updating budget %s failed", NewBudget=planned[0])
    changed = ensure_notifications(budgets, found, notifications, subscribers) or changed
    if not changed:
        return False, (budget, found)
    return True, planned if check else budgets.find()


def main():
    notification = dict(
        notification_type=dict(type="str", required=True, choices=["ACTUAL", "FORECASTED"]),
        threshold=dict(type="float", required=True),
        comparison_operator=dict(type="str", default="GREATER_THAN", choices=["GREATER_THAN", "LESS_THAN", "EQUAL_TO"]),
        threshold_type=dict(type="str", default="PERCENTAGE", choices=["PERCENTAGE", "ABSOLUTE_VALUE"]),
    )
    subscriber = dict(
        subscription_type=dict(type="str", required=True, choices=["SNS", "EMAIL"]),
        address=dict(type="str", required=True),
    )
    module = AnsibleAWSModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "absent"]),
            amount=dict(type="float"),
            time_unit=dict(type="str", default="MONTHLY", choices=["DAILY", "MONTHLY", "QUARTERLY", "ANNUALLY"]),
            cost_filter_tags=dict(type="dict"),
            notifications=dict(type="list", elements="dict", default=[], options=notification),
            subscribers=dict(type="list", elements="dict", default=[], options=subscriber),
            account_id=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["state"] == "present":
        if p["amount"] is None:
            module.fail_json(msg="amount is required to create or update a budget")
        if cents(p["amount"]) <= 0:
            module.fail_json(msg="amount must be more than 0 USD, not %s" % p["amount"])
        if p["notifications"] and not p["subscribers"]:
            module.fail_json(msg="subscribers are required when notifications are given")
    budgets = Budgets(module)
    budget, found = budgets.find()
    before = describe(budget, found)
    if p["state"] == "absent":
        changed = budget is not None
        if changed and not module.check_mode:
            budgets.call("delete_budget", "deleting budget %s failed")
        module.exit_json(changed=changed, budget={}, account_id=budgets.account_id,
                         diff={"before": before, "after": {}})
    changed, (budget, found) = ensure_present(budgets, budget, found)
    after = describe(budget, found)
    module.exit_json(changed=changed, budget=after, account_id=budgets.account_id,
                     diff={"before": before, "after": after})


if __name__ == "__main__":
    main()
