# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tradeops.aws.budget against moto (the test double for AWS Budgets and STS; its missing
UpdateBudget, DescribeSubscribersForNotification, CreateSubscriber and DeleteSubscriber come
from roles/sandbox/files/moto_gaps.py)."""

import boto3
import pytest
from moto import mock_aws

import moto_gaps
from ansible_collections.tradeops.aws.plugins.modules import budget as module

ACCOUNT = "123456789012"
NAME = "tb-prod-monthly"
TOPIC = "arn:aws:sns:us-east-1:%s:tb-prod-alarms" % ACCOUNT
TOPIC2 = "arn:aws:sns:us-east-1:%s:tb-prod-other" % ACCOUNT
NOTIFICATIONS = [{"notification_type": "ACTUAL", "threshold": 80},
                 {"notification_type": "FORECASTED", "threshold": 100}]


@pytest.fixture
def budgets(aws_env):
    moto_gaps.patch()
    with mock_aws():
        yield boto3.client("budgets", region_name="us-east-1")


def args(**extra):
    values = dict(name=NAME, amount=88.05, cost_filter_tags={"Project": "tb", "Environment": "prod"},
                  notifications=NOTIFICATIONS, subscribers=[{"subscription_type": "SNS", "address": TOPIC}],
                  region="us-east-1")
    values.update(extra)
    return values


def observed(client):
    """(budget, {(type, threshold): [subscriber addresses]}) as AWS Budgets reports them."""
    try:
        budget = client.describe_budget(AccountId=ACCOUNT, BudgetName=NAME)["Budget"]
    except client.exceptions.NotFoundException:
        return None, {}
    notes = client.describe_notifications_for_budget(AccountId=ACCOUNT, BudgetName=NAME)["Notifications"]
    return budget, {(n["NotificationType"], n["Threshold"]): sorted(
        s["Address"] for s in client.describe_subscribers_for_notification(
            AccountId=ACCOUNT, BudgetName=NAME, Notification=n)["Subscribers"]) for n in notes}


def test_check_mode_then_create_then_noop(run_module, budgets):
    result, failed = run_module(module.main, args(), check_mode=True, diff=True)
    assert not failed and result["changed"] and observed(budgets) == (None, {})
    assert result["budget"]["amount"] == 88.05 and result["diff"]["before"] == {}
    result, failed = run_module(module.main, args())
    assert not failed and result["changed"] and result["account_id"] == ACCOUNT, result
    budget, notes = observed(budgets)
    assert budget["BudgetLimit"] == {"Amount": "88.05", "Unit": "USD"}
    assert (budget["BudgetType"], budget["TimeUnit"]) == ("COST", "MONTHLY")
    assert budget["FilterExpression"] == {"And": [
        {"Tags": {"Key": "Environment", "Values": ["prod"], "MatchOptions": ["EQUALS"]}},
        {"Tags": {"Key": "Project", "Values": ["tb"], "MatchOptions": ["EQUALS"]}}]}
    assert notes == {("ACTUAL", 80.0): [TOPIC], ("FORECASTED", 100.0): [TOPIC]}
    assert result["budget"]["cost_filter_tags"] == {"Project": "tb", "Environment": "prod"}
    assert [(n["notification_type"], n["threshold"], n["subscribers"]) for n in result["budget"]["notifications"]] == [
        ("ACTUAL", 80.0, [{"subscription_type": "SNS", "address": TOPIC}]),
        ("FORECASTED", 100.0, [{"subscription_type": "SNS", "address": TOPIC}])]
    for check_mode in (True, False):
        result, failed = run_module(module.main, args(amount=88.049), check_mode=check_mode, diff=True)
        assert not failed and result["changed"] is False, result
        assert result["diff"]["before"] == result["diff"]["after"]


def test_limit_filter_and_period_are_updated_in_place(run_module, budgets):
    run_module(module.main, args())
    changed = args(amount=120, cost_filter_tags={"Project": "tb"}, time_unit="QUARTERLY")
    result, failed = run_module(module.main, changed, check_mode=True, diff=True)
    assert not failed and result["changed"] and result["diff"]["after"]["amount"] == 120.0
    assert observed(budgets)[0]["BudgetLimit"]["Amount"] == "88.05"
    result, failed = run_module(module.main, changed)
    assert not failed and result["changed"], result
    budget, notes = observed(budgets)
    assert (budget["BudgetLimit"]["Amount"], budget["TimeUnit"]) == ("120.00", "QUARTERLY")
    assert budget["FilterExpression"] == {"Tags": {"Key": "Project", "Values": ["tb"], "MatchOptions": ["EQUALS"]}}
    assert len(notes) == 2
    result, failed = run_module(module.main, changed)
    assert not failed and result["changed"] is False
    result, failed = run_module(module.main, args(cost_filter_tags={}))
    assert not failed and result["changed"] and "FilterExpression" not in observed(budgets)[0]
    assert result["budget"]["cost_filter_tags"] == {}


def test_notifications_and_subscribers_follow_the_options(run_module, budgets):
    run_module(module.main, args())
    wanted = args(notifications=[{"notification_type": "ACTUAL", "threshold": 90}, NOTIFICATIONS[1]],
                  subscribers=[{"subscription_type": "SNS", "address": TOPIC2},
                               {"subscription_type": "EMAIL", "address": "ops@example.org"}])
    result, failed = run_module(module.main, wanted, check_mode=True)
    assert not failed and result["changed"] and len(observed(budgets)[1][("ACTUAL", 80.0)]) == 1
    result, failed = run_module(module.main, wanted)
    assert not failed and result["changed"]
    assert observed(budgets)[1] == {("ACTUAL", 90.0): [TOPIC2, "ops@example.org"],
                                    ("FORECASTED", 100.0): [TOPIC2, "ops@example.org"]}
    result, failed = run_module(module.main, wanted)
    assert not failed and result["changed"] is False
    result, failed = run_module(module.main, args(notifications=[], subscribers=[]))
    assert not failed and result["changed"] and observed(budgets)[1] == {}


def test_a_budget_filtered_otherwise_is_set_to_the_tags(run_module, budgets):
    budgets.create_budget(AccountId=ACCOUNT, Budget={
        "BudgetName": NAME, "BudgetType": "COST", "TimeUnit": "MONTHLY",
        "BudgetLimit": {"Amount": "88.05", "Unit": "USD"}, "CostFilters": {"Service": ["Amazon EC2"]}})
    result, failed = run_module(module.main, args(notifications=[], subscribers=[]))
    assert not failed and result["changed"]
    assert module.filter_tags({"FilterExpression": {"Or": []}}) is None
    assert module.filter_tags({"FilterExpression": {"Tags": {"Key": "a", "Values": ["1", "2"]}}}) is None


def test_absent(run_module, budgets):
    run_module(module.main, args())
    result, failed = run_module(module.main, dict(name=NAME, state="absent", region="us-east-1"), check_mode=True)
    assert not failed and result["changed"] and observed(budgets)[0] is not None
    result, failed = run_module(module.main, dict(name=NAME, state="absent", region="us-east-1"))
    assert not failed and result["changed"] and observed(budgets) == (None, {}) and result["budget"] == {}
    result, failed = run_module(module.main, dict(name=NAME, state="absent", region="us-east-1", account_id=ACCOUNT))
    assert not failed and result["changed"] is False


def test_refused_options(run_module, budgets):
    for extra, message in (({"amount": None}, "amount is required to create or update a budget"),
                           ({"amount": 0.001}, "amount must be more than 0 USD, not 0.001"),
                           ({"subscribers": []}, "subscribers are required when notifications are given")):
        result, failed = run_module(module.main, args(**extra))
        assert failed and result["msg"] == message
    assert observed(budgets) == (None, {})


@pytest.mark.parametrize("operation, setup, extra, message", [
    ("GetCallerIdentity", False, {}, "finding the account failed"),
    ("DescribeBudget", False, {}, "reading budget %s failed" % NAME),
    ("DescribeNotificationsForBudget", True, {}, "reading the notifications of budget %s failed" % NAME),
    ("CreateBudget", False, {}, "creating budget %s failed" % NAME),
    ("UpdateBudget", True, {"amount": 1}, "updating budget %s failed" % NAME),
    ("DeleteBudget", True, {"state": "absent"}, "deleting budget %s failed" % NAME),
    ("CreateNotification", True, {"notifications": NOTIFICATIONS + [{"notification_type": "ACTUAL", "threshold": 50}]},
     "creating a notification of budget %s failed" % NAME),
    ("DeleteNotification", True, {"notifications": NOTIFICATIONS[:1]}, "deleting a notification of budget %s failed"
     % NAME),
    ("CreateSubscriber", True, {"subscribers": [{"subscription_type": "SNS", "address": TOPIC2}]},
     "changing the subscribers of a notification of budget %s failed" % NAME),
])
def test_errors(run_module, budgets, refuse, operation, setup, extra, message):
    if setup:
        run_module(module.main, args())
    refuse(operation)
    result, failed = run_module(module.main, args(**extra))
    assert failed and result["msg"].startswith(message), result["msg"]
