# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tradeops.aws.cost_estimate: the estimate and its table, the budget refusal, clear errors, no
AWS client unless refresh_prices, and the refresh from the Price List API (a stand-in client)."""

import json

import botocore.exceptions
import pytest

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.tradeops.aws.plugins.modules import cost_estimate

SEED_000 = {
    "region": "us-east-1",
    "hosts": [{"bot": "xmaker", "instance_type": "t3.micro", "root_volume_gib": 20, "public_ipv4": True}],
    "database": {"profile": "aurora", "engine": "aurora-mysql", "instance_class": "db.t4g.medium", "storage_gib": 10},
    "cache": {"node_type": "cache.t3.micro", "nodes": 1},
    "kms_keys": 1, "secrets": 3, "alarms": 3, "dashboards": 1, "log_gb_per_month": 1,
}


@pytest.fixture
def no_aws(monkeypatch):
    """Fail the test on any attempt to make an AWS client."""
    def refuse(*args, **kwargs):
        raise AssertionError("an AWS client was made")

    monkeypatch.setattr(AnsibleAWSModule, "client", refuse)
    monkeypatch.setattr(AnsibleAWSModule, "__init__", refuse)


def test_estimate_and_table(run_module, no_aws):
    result, failed = run_module(cost_estimate.main, {"deployment": SEED_000}, check_mode=True)
    assert not failed and result["changed"] is False
    assert result["monthly_usd"] == 87.57 and result["legacy_free_tier_usd"] == 66.08
    assert result["table"][-1] == "cost: monthly_usd=87.57 legacy_free_tier_usd=66.08"
    assert result["price_date"] == "2025-06-01" and result["refreshed"] == []
    assert {"resource", "what", "quantity", "unit", "unit_usd", "monthly_usd", "free_tier_legacy_usd"} <= set(
        result["lines"][0])
    assert result["assumptions"] and "2025-07-15" in result["new_account_note"]


def test_within_budget(run_module, no_aws):
    result, failed = run_module(cost_estimate.main, {"deployment": SEED_000, "budget_usd": "87.57"})
    assert not failed and result["monthly_usd"] == 87.57


def test_budget_refusal_names_the_variable_the_estimate_and_the_budget(run_module, no_aws):
    result, failed = run_module(cost_estimate.main, {"deployment": SEED_000, "budget_usd": 50})
    assert failed
    assert result["msg"].startswith(
        "tradeops_budget_usd: the estimated monthly cost of 87.57 USD is above the budget of 50.00 USD.")
    assert result["msg"].splitlines()[-1] == "cost: monthly_usd=87.57 legacy_free_tier_usd=66.08"
    assert result["monthly_usd"] == 87.57 and result["budget_usd"] == 50


def test_negative_budget(run_module, no_aws):
    result, failed = run_module(cost_estimate.main, {"deployment": SEED_000, "budget_usd": -1})
    assert failed and "budget_usd (tradeops_budget_usd) must be zero or more" in result["msg"]


@pytest.mark.parametrize("change,expected", [
    ({"region": "eu-west-9"}, "region 'eu-west-9' has no prices"),
    ({"hosts": [{"bot": "xmaker", "instance_type": "t3.mega"}]}, "EC2 instance type (host xmaker) 't3.mega'"),
    ({"cache": {"node_type": "cache.m9.large"}}, "ElastiCache node type 'cache.m9.large'"),
])
def test_unknown_values_warn_or_fail_with_a_budget(run_module, no_aws, change, expected):
    result, failed = run_module(cost_estimate.main, {"deployment": dict(SEED_000, **change)})
    assert not failed and result["monthly_usd"] is None, result
    assert expected in result["table"][0]
    assert result["table"][-1] == "cost: monthly_usd=unknown legacy_free_tier_usd=unknown"
    result, failed = run_module(cost_estimate.main, {"deployment": dict(SEED_000, **change), "budget_usd": 100})
    assert failed and "tradeops_budget_usd is set, but the cost cannot be estimated" in result["msg"]
    assert expected in result["msg"]


class FakePricing:
    def __init__(self, prices=None, error=None):
        self.prices = prices or {}
        self.error = error
        self.calls = []

    def get_products(self, **kwargs):
        self.calls.append(kwargs)
        if self.error:
            raise self.error
        itype = [f["Value"] for f in kwargs["Filters"] if f["Field"] == "instanceType"][0]
        if itype not in self.prices:
            return {"PriceList": []}
        item = {"terms": {"OnDemand": {"T": {"priceDimensions": {
            "D": {"unit": "Hrs", "pricePerUnit": {"USD": str(self.prices[itype])}}}}}}}
        return {"PriceList": [json.dumps(item)]}


def fake_client(monkeypatch, pricing):
    made = []

    def client(self, service, retry_decorator=None, **extra):
        made.append((service, extra))
        return pricing

    monkeypatch.setattr(AnsibleAWSModule, "client", client)
    return made


def test_refresh_replaces_the_hosts_prices(run_module, monkeypatch, aws_env):
    pricing = FakePricing({"t3.micro": 0.011})
    made = fake_client(monkeypatch, pricing)
    deployment = dict(SEED_000, hosts=SEED_000["hosts"] + [{"bot": "b", "instance_type": "t4g.small"}])
    result, failed = run_module(cost_estimate.main, {"deployment": deployment, "refresh_prices": True})
    assert not failed, result
    assert made == [("pricing", {"region": "us-east-1"})]
    assert sorted(c["Filters"][0]["Value"] for c in pricing.calls) == ["t3.micro", "t4g.small"]
    assert all(c["ServiceCode"] == "AmazonEC2" for c in pricing.calls)
    assert result["refreshed"] == ["t3.micro"]
    ec2 = [x for x in result["lines"] if x["resource"] == "ec2 xmaker"][0]
    assert ec2["unit_usd"] == 0.011 and ec2["source"].startswith("AWS Price List API")
    other = [x for x in result["lines"] if x["resource"] == "ec2 b"][0]
    assert other["source"] == "https://aws.amazon.com/ec2/pricing/on-demand/"
    assert any("no single on-demand Linux price for t4g.small" in w for w in result.get("warnings", []))


def test_refresh_failure_warns_and_keeps_the_table(run_module, monkeypatch, aws_env):
    error = botocore.exceptions.EndpointConnectionError(endpoint_url="https://api.pricing.us-east-1.amazonaws.com")
    fake_client(monkeypatch, FakePricing(error=error))
    result, failed = run_module(cost_estimate.main, {"deployment": SEED_000, "refresh_prices": True})
    assert not failed and result["monthly_usd"] == 87.57 and result["refreshed"] == []
    assert any("could not be asked" in w for w in result.get("warnings", []))


def test_refresh_without_hosts_asks_nothing(run_module, monkeypatch, aws_env):
    made = fake_client(monkeypatch, FakePricing())
    deployment = {"region": "us-east-1", "secrets": 1}
    result, failed = run_module(cost_estimate.main, {"deployment": deployment, "refresh_prices": True})
    assert not failed and made == [] and result["monthly_usd"] == 0.40
