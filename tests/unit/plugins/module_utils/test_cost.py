# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""plugins/module_utils/cost.py: totals of seed-shaped deployments, the legacy free tier view,
errors naming the unknown value, and the table's format."""

import json
import re

import pytest

from ansible_collections.tradeops.aws.plugins.module_utils import cost

# Seed 000 (the reference): one BBGO host, Aurora MySQL db.t4g.medium, one cache.t3.micro, an EIP.
SEED_000 = {
    "region": "us-east-1",
    "hosts": [{"bot": "xmaker", "instance_type": "t3.micro", "root_volume_gib": 20, "public_ipv4": True}],
    "database": {"profile": "aurora", "engine": "aurora-mysql", "instance_class": "db.t4g.medium",
                 "storage_gib": 10, "multi_az": False},
    "cache": {"node_type": "cache.t3.micro", "nodes": 1},
    "nat_gateways": 0, "interface_endpoints": 0, "kms_keys": 1, "secrets": 3, "alarms": 3, "dashboards": 1,
    "log_gb_per_month": 1, "fargate_tasks": [], "load_balancers": 0,
}
# Seed 003: a Python bot on a t4g.micro in Seoul, no database, no cache, no NAT, 2 secrets, 1 alarm.
SEED_003 = {
    "region": "ap-northeast-2",
    "hosts": [{"bot": "kis-breakout", "instance_type": "t4g.micro", "root_volume_gib": 8, "public_ipv4": True}],
    "database": None, "cache": None, "nat_gateways": 0, "secrets": 2, "alarms": 1,
}
# The free_tier profile: t3.micro, RDS db.t4g.micro PostgreSQL 20 GB, cache.t3.micro.
FREE_TIER = {
    "region": "us-east-1",
    "hosts": [{"bot": "paper", "instance_type": "t3.micro", "root_volume_gib": 20, "public_ipv4": True}],
    "database": {"profile": "free_tier", "engine": "postgres", "instance_class": "db.t4g.micro",
                 "storage_gib": 20, "multi_az": False},
    "cache": {"node_type": "cache.t3.micro", "nodes": 1},
    "kms_keys": 1, "secrets": 2, "alarms": 3, "dashboards": 1, "log_gb_per_month": 1,
}
COST_LINE = re.compile(r"^cost: monthly_usd=\d+\.\d\d legacy_free_tier_usd=\d+\.\d\d$")


def line(result, resource, what=None):
    found = [x for x in result["lines"] if x["resource"] == resource and (what is None or what in x["what"])]
    assert len(found) == 1, (resource, what, result["lines"])
    return found[0]


def test_seed_000_reference():
    result = cost.estimate(SEED_000)
    # 7.59 EC2 + 1.60 EBS + 3.65 IPv4 + 53.29 Aurora + 1.00 storage + 2.00 I/O + 12.41 Redis
    # + 1.00 KMS + 1.20 secrets + 0.30 alarms + 3.00 dashboard + 0.50 + 0.03 logs
    assert result["monthly_usd"] == 87.57
    assert line(result, "aurora")["monthly_usd"] == 53.29
    assert line(result, "elasticache")["monthly_usd"] == 12.41
    assert line(result, "ipv4 xmaker")["monthly_usd"] == 3.65
    # t3.micro is not us-east-1's free type (t2.micro is); Aurora is never free.
    assert line(result, "ec2 xmaker")["free_tier_legacy_usd"] == 7.59
    assert line(result, "aurora")["free_tier_legacy_usd"] == 53.29
    assert line(result, "elasticache")["free_tier_legacy_usd"] == 0
    assert result["legacy_free_tier_usd"] == 66.08
    assert result["monthly_usd"] == round(sum(x["monthly_usd"] for x in result["lines"]), 2)
    assert "87.57 USD" in result["new_account_note"]
    assert "2025-07-15" in result["new_account_note"]
    # The seed's "$0/month" in the first year is wrong: Aurora is not in the free tier.
    assert result["legacy_free_tier_usd"] > 50


def test_seed_003_seoul():
    result = cost.estimate(SEED_003)
    assert [x["resource"] for x in result["lines"]] == [
        "ec2 kis-breakout", "ebs kis-breakout", "ipv4 kis-breakout", "secrets manager", "cw alarms"]
    # 0.0104 x 730 + 8 x 0.0912 + 0.005 x 730 + 2 x 0.40 + 0.10
    assert result["monthly_usd"] == 12.87  # 7.59 + 0.73 + 3.65 + 0.80 + 0.10
    # t4g.micro is not the free type; EBS, IPv4 and the alarm are free in the first year.
    assert result["legacy_free_tier_usd"] == 8.39  # 7.59 + 0.80
    assert all(x["source"].startswith("https://aws.amazon.com/") for x in result["lines"])


def test_free_tier_profile_is_mostly_free_in_the_first_year():
    result = cost.estimate(FREE_TIER)
    assert line(result, "rds")["monthly_usd"] == 11.68
    assert line(result, "rds")["free_tier_legacy_usd"] == 0
    assert line(result, "rds storage")["monthly_usd"] == 2.30
    assert line(result, "rds storage")["free_tier_legacy_usd"] == 0
    assert result["monthly_usd"] == 44.86
    assert result["legacy_free_tier_usd"] == 9.39
    assert result["legacy_free_tier_usd"] < result["monthly_usd"] / 4


def test_free_tier_hours_are_shared_by_all_resources_of_a_kind():
    hosts = [{"bot": "a", "instance_type": "t2.micro", "root_volume_gib": 20},
             {"bot": "b", "instance_type": "t2.micro", "root_volume_gib": 20}]
    result = cost.estimate({"region": "us-east-1", "hosts": hosts,
                            "cache": {"node_type": "cache.t2.micro", "nodes": 2}})
    # 750 free hours: host a is free, host b pays 710 of its 730 hours.
    assert line(result, "ec2 a")["free_tier_legacy_usd"] == 0
    assert line(result, "ec2 b")["free_tier_legacy_usd"] == round(710 * 0.0116, 2)
    # 30 GB of EBS: 20 + 10 free.
    assert line(result, "ebs b")["free_tier_legacy_usd"] == round(10 * 0.08, 2)
    assert line(result, "ipv4 b")["free_tier_legacy_usd"] == round(710 * 0.005, 2)
    assert line(result, "elasticache")["free_tier_legacy_usd"] == round(710 * 0.017, 2)


def test_no_free_tier_for_multi_az_or_larger_classes():
    multi = cost.estimate({"region": "us-east-1", "database": {
        "profile": "free_tier", "engine": "mysql", "instance_class": "db.t3.micro", "storage_gib": 20,
        "multi_az": True}})
    assert line(multi, "rds")["quantity"] == 1460 and line(multi, "rds")["monthly_usd"] == round(1460 * 0.017, 2)
    assert line(multi, "rds storage")["quantity"] == 40
    assert multi["legacy_free_tier_usd"] == multi["monthly_usd"]
    small = cost.estimate({"region": "us-east-1", "database": {
        "profile": "free_tier", "engine": "mariadb", "instance_class": "db.t4g.small", "storage_type": "gp3"}})
    assert small["legacy_free_tier_usd"] == small["monthly_usd"] == round(730 * 0.032 + 20 * 0.115, 2)


def test_seed_001_shape_fargate_rds_multi_az_nat_alb():
    result = cost.estimate({
        "region": "us-east-1",
        "fargate_tasks": [{"bot": "bot", "cpu_units": 512, "memory_mib": 1024},
                          {"bot": "ml", "cpu_units": 2048, "memory_mib": 4096, "count": 2}],
        "database": {"profile": "free_tier", "engine": "postgres", "instance_class": "db.r6g.large",
                     "storage_gib": 100, "storage_type": "gp3", "multi_az": True},
        "nat_gateways": 2, "load_balancers": 1, "interface_endpoints": 4, "secrets": 4, "alarms": 10,
        "dashboards": 1, "log_gb_per_month": 20, "kms_keys": 1,
    })
    assert line(result, "nat")["monthly_usd"] == 65.70
    assert line(result, "nat data")["quantity"] == 20
    assert line(result, "ipv4 nat")["quantity"] == 1460
    assert line(result, "ipv4 alb")["quantity"] == 1460
    assert line(result, "vpc endpoints")["monthly_usd"] == 29.20
    assert line(result, "alb")["monthly_usd"] == 16.43 and line(result, "alb")["free_tier_legacy_usd"] == 0
    assert line(result, "alb lcu")["free_tier_legacy_usd"] == round(715 * 0.008, 2)
    assert line(result, "fargate ml", "vCPU")["quantity"] == 2920
    assert line(result, "rds")["monthly_usd"] == 328.50
    assert line(result, "cw logs", "ingestion")["free_tier_legacy_usd"] == 7.50
    assert result["monthly_usd"] == 663.54
    assert any("NAT gateway processes 10 GB" in a for a in result["assumptions"])
    assert any("1 LCU" in a for a in result["assumptions"])


def test_seed_004_shape_fargate_spot_is_an_average_discount():
    result = cost.estimate({"region": "us-east-1", "nat_gateways": 1, "nat_gb_per_month": 5, "secrets": 1,
                            "fargate_tasks": [{"bot": "coinbase", "cpu_units": 256, "memory_mib": 512,
                                               "spot": True, "public_ipv4": "false"}]})
    cpu = line(result, "fargate coinbase", "vCPU")
    assert cpu["unit_usd"] == pytest.approx(0.04048 * 0.3) and "Spot" in cpu["what"]
    assert line(result, "nat data")["quantity"] == 5
    assert any("average 70% below on-demand" in a for a in result["assumptions"])


def test_serverless_and_multi_az_aurora():
    serverless = cost.estimate({"region": "us-east-1", "database": {
        "profile": "aurora", "engine": "aurora-postgresql", "instance_class": "db.serverless",
        "min_acu": 0.5, "max_acu": 4, "io_millions_per_month": 1}})
    acu = line(serverless, "aurora")
    assert acu["unit"] == "ACU-h" and acu["quantity"] == 365 and acu["monthly_usd"] == 43.80
    assert any("at its maximum of 4 ACU it costs 350.40 USD" in a for a in serverless["assumptions"])
    assert line(serverless, "aurora i/o")["monthly_usd"] == 0.20
    multi = cost.estimate({"region": "ap-northeast-2", "database": {
        "engine": "aurora-mysql", "instance_class": "db.r6g.large", "multi_az": "yes"}})
    assert line(multi, "aurora")["quantity"] == 1460 and line(multi, "aurora")["approximate"] is True
    assert any(a.startswith("Approximate figures") for a in multi["assumptions"])


def test_unknown_region_names_the_value_and_the_known_ones():
    with pytest.raises(ValueError) as e:
        cost.estimate({"region": "us-east-7"})
    assert "region 'us-east-7'" in str(e.value) and "us-east-1" in str(e.value)
    assert "did you mean 'us-east-1'" in str(e.value)


@pytest.mark.parametrize("deployment,expected", [
    ({"hosts": [{"bot": "x", "instance_type": "t3.mirco"}]}, "EC2 instance type (host x) 't3.mirco'"),
    ({"hosts": [{"bot": "x", "instance_type": "m8g.large"}]}, "t4g.micro"),
    ({"database": {"profile": "aurora", "engine": "aurora-mysql", "instance_class": "db.t3.micro"}},
     "Aurora instance class (aurora-mysql) 'db.t3.micro'"),
    ({"database": {"profile": "free_tier", "engine": "postgres", "instance_class": "db.x9.large"}},
     "RDS instance class (postgres) 'db.x9.large'"),
    ({"cache": {"node_type": "cache.t2.mega"}}, "ElastiCache node type 'cache.t2.mega'"),
    ({"database": {"profile": "free_tier", "engine": "aurora-mysql", "instance_class": "db.t4g.micro"}},
     "does not fit profile free_tier"),
    ({"database": {"profile": "tiny", "engine": "mysql"}}, "database.profile 'tiny'"),
    ({"database": {"engine": "mysql", "instance_class": "db.t4g.micro", "storage_type": "io1"}},
     "storage_type 'io1'"),
    ({"fargate_tasks": [{"cpu_units": 300, "memory_mib": 512}]}, "cpu_units 300 is not a Fargate size"),
    ({"fargate_tasks": [{"cpu_units": 256, "memory_mib": 4096}]}, "memory_mib 4096 does not go with cpu_units 256"),
    ({"hosts": [{"bot": "x", "instance_type": "t3.micro", "disk": 8}]}, "hosts[0]: unknown key 'disk'"),
    ({"nat_gateway": 1}, "did you mean 'nat_gateways'?"),
    ({"secrets": -1}, "secrets must be zero or more"),
    ({"log_gb_per_month": "nan"}, "log_gb_per_month must be zero or more"),
    ({"nat_gateways": float("inf")}, "nat_gateways must be zero or more"),
    ({"secrets": "two"}, "secrets must be a number"),
    ({"secrets": True}, "secrets must be a number"),
    ({"secrets": 1.5}, "secrets must be a whole number"),
    ({"hosts": "t3.micro"}, "hosts must be a list"),
    ({"hosts": ["t3.micro"]}, "hosts[0] must be a mapping"),
    ({"hosts": [{"instance_type": "t3.micro", "public_ipv4": "maybe"}]}, "hosts[0].public_ipv4 must be true or false"),
])
def test_errors_name_the_value(deployment, expected):
    with pytest.raises(ValueError) as e:
        cost.estimate(dict(deployment, region="us-east-1"))
    assert expected in str(e.value)


def test_numbers_may_come_as_strings_from_templates():
    result = cost.estimate({"region": "us-east-1", "secrets": "2", "alarms": "3", "log_gb_per_month": "0.5",
                            "hosts": [{"instance_type": "t2.micro", "root_volume_gib": "30", "public_ipv4": "true"}],
                            "cache": {"node_type": "cache.t4g.small", "nodes": "2"}})
    assert line(result, "secrets manager")["quantity"] == 2
    assert line(result, "ebs host1")["quantity"] == 30
    assert line(result, "elasticache")["quantity"] == 1460
    assert result["legacy_free_tier_usd"] == pytest.approx(line(result, "elasticache")["monthly_usd"] + 0.80)


def test_the_table():
    for deployment in (SEED_000, SEED_003, FREE_TIER, {"region": "us-east-1"}):
        result = cost.estimate(deployment)
        table = cost.render_table(result)
        assert all(len(text) <= 100 for text in table), max(table, key=len)
        assert all(text == text.rstrip() for text in table)
        assert COST_LINE.match(table[-1]), table[-1]
        assert table[-1] == "cost: monthly_usd=%.2f legacy_free_tier_usd=%.2f" % (
            result["monthly_usd"], result["legacy_free_tier_usd"])
    table = cost.render_table(cost.estimate(SEED_000))
    assert table[-1] == "cost: monthly_usd=87.57 legacy_free_tier_usd=66.08"
    assert any(re.match(r"^aurora +db\.t4g\.medium aurora-mysql +730 h +0\.073 +53\.29 +53\.29$", t) for t in table)
    assert any(re.match(r"^total +87\.57 +66\.08$", t) for t in table)
    # Columns are fixed: every priced row has its monthly figure at the same place.
    rows = [t for t in table if re.search(r" \d+\.\d\d +\d+\.\d\d$", t)]
    assert len({len(t) for t in rows}) == 1
    empty = cost.render_table(cost.estimate({"region": "us-east-1"}))
    assert empty[-1] == "cost: monthly_usd=0.00 legacy_free_tier_usd=0.00"


def test_long_names_are_cut_to_their_column():
    bot = "b" * 32
    table = cost.render_table(cost.estimate({"region": "ap-northeast-2",
                                             "hosts": [{"bot": bot, "instance_type": "m7g.large"}]}))
    assert any(t.startswith("ec2 " + "b" * 13 + "~ ") for t in table)
    assert any("approximate figure" in t for t in table)


def test_price_table_shape():
    assert cost.PRICE_DATE and cost.HOURS_PER_MONTH == 730
    for region in ("us-east-1", "ap-northeast-2"):
        prices = cost.PRICES[region]
        for itype in ("t2", "t3", "t3a", "t4g"):
            for size in ("nano", "micro", "small", "medium", "large"):
                assert "%s.%s" % (itype, size) in prices["ec2"]["instance_hour"]
        assert "m7g.large" in prices["ec2"]["instance_hour"] and "c7g.large" in prices["ec2"]["instance_hour"]
        assert prices["public_ipv4"]["hour"] == 0.005
        for engine in ("mysql", "postgres", "mariadb"):
            for klass in ("db.t3.micro", "db.t4g.micro", "db.t4g.medium", "db.t3.large", "db.r6g.large"):
                assert klass in prices["rds"][engine]["instance_hour"]
        for engine in ("aurora-mysql", "aurora-postgresql"):
            classes = prices["aurora"]["instance_hour"][engine]
            assert "db.t4g.medium" in classes and "db.r6g.large" in classes
            assert not [k for k in classes if k.endswith((".micro", ".small"))]  # Aurora has no micro classes
        for node in ("cache.t2.micro", "cache.t3.small", "cache.t4g.medium"):
            assert node in prices["elasticache"]["node_hour"]
        for group in prices.values():
            if isinstance(group, dict) and "source" in group:
                assert group["source"].startswith("https://aws.amazon.com/")
    assert cost.known_regions() == ["ap-northeast-2", "us-east-1"]


def test_price_list_parsing_and_refreshed_table():
    item = {"product": {"attributes": {"instanceType": "t3.micro"}},
            "terms": {"OnDemand": {"X.Y": {"priceDimensions": {
                "X.Y.Z": {"unit": "Hrs", "pricePerUnit": {"USD": "0.0110000000"}},
                "X.Y.R": {"unit": "Hrs", "pricePerUnit": {"USD": "0.0000000000"}}}}}}}
    assert cost.ec2_price_from_price_list([json.dumps(item)]) == 0.011
    assert cost.ec2_price_from_price_list([item]) == 0.011
    assert cost.ec2_price_from_price_list([]) is None
    other = json.loads(json.dumps(item))
    other["terms"]["OnDemand"]["X.Y"]["priceDimensions"]["X.Y.Z"]["pricePerUnit"]["USD"] = "0.02"
    assert cost.ec2_price_from_price_list([json.dumps(item), json.dumps(other)]) is None  # ambiguous
    filters = cost.ec2_price_filters("us-east-1", "t3.micro")
    assert {"Type": "TERM_MATCH", "Field": "instanceType", "Value": "t3.micro"} in filters
    table = cost.with_ec2_prices(cost.PRICES, "ap-northeast-2", {"m7g.large": 0.1}, "api")
    assert table["ap-northeast-2"]["ec2"]["instance_hour"]["m7g.large"] == 0.1
    assert "m7g.large" not in table["ap-northeast-2"]["ec2"]["approximate"]
    assert cost.PRICES["ap-northeast-2"]["ec2"]["instance_hour"]["m7g.large"] != 0.1  # the table is copied
    result = cost.estimate({"region": "ap-northeast-2", "hosts": [{"instance_type": "m7g.large"}]}, table)
    assert line(result, "ec2 host1")["source"] == "api" and line(result, "ec2 host1")["approximate"] is False


def test_custom_metrics_are_priced_with_the_always_free_ten():
    result = cost.estimate(dict(SEED_003, custom_metrics=8))
    metrics = line(result, "cw metrics")
    assert (metrics["quantity"], metrics["monthly_usd"], metrics["free_tier_legacy_usd"]) == (8, 2.4, 0)
    assert any("PutMetricData" in note for note in result["assumptions"])
    # Two hosts' worth: 16 metrics, 10 of them in CloudWatch's always-free allowance.
    assert line(cost.estimate(dict(SEED_003, custom_metrics=16)), "cw metrics")["free_tier_legacy_usd"] == 1.8
    assert not [x for x in cost.estimate(SEED_003)["lines"] if x["resource"] == "cw metrics"]
    with pytest.raises(ValueError, match="custom_metrics"):
        cost.estimate(dict(SEED_003, custom_metrics="many"))
