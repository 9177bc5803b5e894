# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""The monthly cost of a deployment in USD, before anything is created.

estimate() prices a deployment with the price table PRICES, render_table() prints the result as
fixed-width text lines ending with the machine-readable line
``cost: monthly_usd=<n> legacy_free_tier_usd=<n>``. The module tradeops.aws.cost_estimate runs
them in the preflight play; scripts/cost_table.py prints the README's "What it costs".

PRICES is a dated snapshot (PRICE_DATE) of AWS's public on-demand prices in USD, region by
region (each region's prices differ), before taxes, for the resources this collection creates.
Every group of figures names its ``source``: the AWS public price page the figures are from.
Figures marked ``approximate`` (a group's ``approximate: True``, or the keys it lists) were not
read off that page on PRICE_DATE: check them there before relying on them. Prices change: the
EC2 instance-hours can be refreshed from the AWS Price List API (pricing:GetProducts, what
tradeops.aws.cost_estimate does with refresh_prices=true), the rest by editing the table. Public
IPv4 addresses cost 0.005 USD an hour each since 2024-02-01, attached Elastic IPs included.

Pure standard library: no AWS request is made here (ec2_price_from_price_list() only reads
what the module got from the AWS Price List API).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import difflib
import json
import math
import textwrap
from decimal import Decimal, ROUND_HALF_UP

PRICE_DATE = "2025-06-01"
HOURS_PER_MONTH = 730
# Accounts created on or after this day get credits (free or paid plan) instead of the legacy
# 12-month free tier.
NEW_ACCOUNT_PLAN_DATE = "2025-07-15"

# Assumptions the estimate makes where the deployment says nothing (each is also stated in the
# result's assumptions when it is used).
DEFAULT_NAT_GB_PER_MONTH = 10  # GB processed by each NAT gateway
DEFAULT_AURORA_STORAGE_GIB = 10  # Aurora bills what is stored; a small bot database
DEFAULT_AURORA_IO_MILLIONS = 10  # Aurora standard: million I/O requests a month
DEFAULT_ALB_LCUS = 1  # average LCUs of a lightly used ALB
DEFAULT_LOG_RETENTION_DAYS = 30  # the monitoring role's default
DEFAULT_AVAILABILITY_ZONES = 2  # an internet-facing ALB has one public IPv4 address per zone

EC2_PAGE = "https://aws.amazon.com/ec2/pricing/on-demand/"
EBS_PAGE = "https://aws.amazon.com/ebs/pricing/"
VPC_PAGE = "https://aws.amazon.com/vpc/pricing/"
PRIVATELINK_PAGE = "https://aws.amazon.com/privatelink/pricing/"
RDS_PAGES = {
    "mysql": "https://aws.amazon.com/rds/mysql/pricing/",
    "postgres": "https://aws.amazon.com/rds/postgresql/pricing/",
    "mariadb": "https://aws.amazon.com/rds/mariadb/pricing/",
}
AURORA_PAGE = "https://aws.amazon.com/rds/aurora/pricing/"
ELASTICACHE_PAGE = "https://aws.amazon.com/elasticache/pricing/"
KMS_PAGE = "https://aws.amazon.com/kms/pricing/"
SECRETS_PAGE = "https://aws.amazon.com/secrets-manager/pricing/"
CLOUDWATCH_PAGE = "https://aws.amazon.com/cloudwatch/pricing/"
FARGATE_PAGE = "https://aws.amazon.com/fargate/pricing/"
ELB_PAGE = "https://aws.amazon.com/elasticloadbalancing/pricing/"
FREE_TIER_PAGE = "https://aws.amazon.com/free/"
PRICE_LIST_API = "AWS Price List API (pricing:GetProducts)"

T_SIZES = ("nano", "micro", "small", "medium", "large", "xlarge", "2xlarge")


def _sizes(prefix, prices, sizes=T_SIZES):
    """{prefix + size: price} for a family listed from its smallest size."""
    return dict(("%s.%s" % (prefix, size), price) for size, price in zip(sizes, prices))


def _doubling(prefix, large, sizes=("large", "xlarge", "2xlarge", "4xlarge")):
    """{prefix + size: price} for a family whose price doubles with each size (as these do)."""
    return dict(("%s.%s" % (prefix, size), round(large * 2 ** i, 6)) for i, size in enumerate(sizes))


def _merge(*tables):
    merged = {}
    for table in tables:
        merged.update(table)
    return merged


# The price table: see the module docstring (a dated snapshot, region-specific, before taxes,
# each group's source page; refresh from the AWS Price List API).
PRICES = {
    "us-east-1": {
        "name": "US East (N. Virginia)",
        "ec2": {
            "source": EC2_PAGE,
            "unit": "USD per instance-hour, Linux, shared tenancy",
            "instance_hour": _merge(
                _sizes("t2", (0.0058, 0.0116, 0.023, 0.0464, 0.0928, 0.1856, 0.3712)),
                _sizes("t3", (0.0052, 0.0104, 0.0208, 0.0416, 0.0832, 0.1664, 0.3328)),
                _sizes("t3a", (0.0047, 0.0094, 0.0188, 0.0376, 0.0752, 0.1504, 0.3008)),
                _sizes("t4g", (0.0042, 0.0084, 0.0168, 0.0336, 0.0672, 0.1344, 0.2688)),
                _doubling("m5", 0.096), _doubling("m6i", 0.096), _doubling("m6g", 0.077),
                _doubling("m7g", 0.0816), _doubling("c5", 0.085), _doubling("c6i", 0.085),
                _doubling("c6g", 0.068), _doubling("c7g", 0.0725),
            ),
        },
        "ebs": {"source": EBS_PAGE, "gp3_gb_month": 0.08},
        "public_ipv4": {"source": VPC_PAGE, "hour": 0.005},
        "rds": {
            # Single-AZ instance-hours; Multi-AZ (one standby) is twice the instance and the storage.
            "mysql": {"source": RDS_PAGES["mysql"], "instance_hour": _merge(
                _sizes("db.t3", (0.017, 0.034, 0.068, 0.136, 0.272, 0.544), T_SIZES[1:]),
                _sizes("db.t4g", (0.016, 0.032, 0.065, 0.129, 0.258, 0.516), T_SIZES[1:]),
                {"db.r6g.large": 0.215})},
            "mariadb": {"source": RDS_PAGES["mariadb"], "instance_hour": _merge(
                _sizes("db.t3", (0.017, 0.034, 0.068, 0.136, 0.272, 0.544), T_SIZES[1:]),
                _sizes("db.t4g", (0.016, 0.032, 0.065, 0.129, 0.258, 0.516), T_SIZES[1:]),
                {"db.r6g.large": 0.215})},
            "postgres": {"source": RDS_PAGES["postgres"], "instance_hour": _merge(
                _sizes("db.t3", (0.018, 0.036, 0.072, 0.145, 0.29, 0.579), T_SIZES[1:]),
                _sizes("db.t4g", (0.016, 0.032, 0.065, 0.129, 0.258, 0.517), T_SIZES[1:]),
                {"db.r6g.large": 0.225})},
            "storage": {"source": RDS_PAGES["mysql"], "gp2_gb_month": 0.115, "gp3_gb_month": 0.115},
        },
        "aurora": {
            # Aurora has no micro or small classes: db.t3/db.t4g medium is the smallest.
            "source": AURORA_PAGE,
            "instance_hour": {
                "aurora-mysql": {"db.t3.medium": 0.082, "db.t3.large": 0.164, "db.t4g.medium": 0.073,
                                 "db.t4g.large": 0.146, "db.r6g.large": 0.26},
                "aurora-postgresql": {"db.t3.medium": 0.082, "db.t3.large": 0.164, "db.t4g.medium": 0.073,
                                      "db.t4g.large": 0.146, "db.r6g.large": 0.26},
            },
            "storage_gb_month": 0.10,  # Aurora Standard
            "io_million": 0.20,
            "serverless_v2_acu_hour": 0.12,
        },
        "elasticache": {
            "source": ELASTICACHE_PAGE,
            "node_hour": _merge(
                _sizes("cache.t2", (0.017, 0.034, 0.068), ("micro", "small", "medium")),
                _sizes("cache.t3", (0.017, 0.034, 0.068), ("micro", "small", "medium")),
                _sizes("cache.t4g", (0.016, 0.032, 0.065), ("micro", "small", "medium")),
            ),
        },
        "nat_gateway": {"source": VPC_PAGE, "hour": 0.045, "gb": 0.045},
        "interface_endpoint": {"source": PRIVATELINK_PAGE, "hour_per_az": 0.01},
        "kms": {"source": KMS_PAGE, "key_month": 1.0},
        "secrets_manager": {"source": SECRETS_PAGE, "secret_month": 0.40},
        "cloudwatch": {"source": CLOUDWATCH_PAGE, "alarm_month": 0.10, "dashboard_month": 3.0, "metric_month": 0.30,
                       "log_ingest_gb": 0.50, "log_storage_gb_month": 0.03},
        "fargate": {"source": FARGATE_PAGE, "vcpu_hour": 0.04048, "gb_hour": 0.004445,
                    # Fargate Spot prices move with spare capacity: an average discount, not a price.
                    "spot_discount": 0.70},
        "alb": {"source": ELB_PAGE, "hour": 0.0225, "lcu_hour": 0.008},
        "free_tier": {"source": FREE_TIER_PAGE, "ec2_instance_type": "t2.micro"},
    },
    "ap-northeast-2": {
        "name": "Asia Pacific (Seoul)",
        "ec2": {
            "source": EC2_PAGE,
            "unit": "USD per instance-hour, Linux, shared tenancy",
            "instance_hour": _merge(
                _sizes("t2", (0.0072, 0.0144, 0.0288, 0.0576, 0.1152, 0.2304, 0.4608)),
                _sizes("t3", (0.0065, 0.013, 0.026, 0.052, 0.104, 0.208, 0.416)),
                _sizes("t3a", (0.0059, 0.0117, 0.0234, 0.0468, 0.0936, 0.1872, 0.3744)),
                _sizes("t4g", (0.0052, 0.0104, 0.0208, 0.0416, 0.0832, 0.1664, 0.3328)),
                _doubling("m5", 0.118), _doubling("m6i", 0.118), _doubling("m6g", 0.094),
                _doubling("m7g", 0.0999), _doubling("c5", 0.096), _doubling("c6i", 0.096),
                _doubling("c6g", 0.0768), _doubling("c7g", 0.0818),
            ),
            "approximate": tuple(sorted(_merge(*[_doubling(family, 1) for family in ("m6g", "m7g", "c6g", "c7g")]))),
        },
        "ebs": {"source": EBS_PAGE, "gp3_gb_month": 0.0912},
        "public_ipv4": {"source": VPC_PAGE, "hour": 0.005},
        "rds": {
            "mysql": {"source": RDS_PAGES["mysql"], "approximate": True, "instance_hour": _merge(
                _sizes("db.t3", (0.026, 0.052, 0.104, 0.208, 0.416, 0.832), T_SIZES[1:]),
                _sizes("db.t4g", (0.025, 0.049, 0.098, 0.197, 0.394, 0.788), T_SIZES[1:]),
                {"db.r6g.large": 0.26})},
            "mariadb": {"source": RDS_PAGES["mariadb"], "approximate": True, "instance_hour": _merge(
                _sizes("db.t3", (0.026, 0.052, 0.104, 0.208, 0.416, 0.832), T_SIZES[1:]),
                _sizes("db.t4g", (0.025, 0.049, 0.098, 0.197, 0.394, 0.788), T_SIZES[1:]),
                {"db.r6g.large": 0.26})},
            "postgres": {"source": RDS_PAGES["postgres"], "approximate": True, "instance_hour": _merge(
                _sizes("db.t3", (0.028, 0.056, 0.112, 0.224, 0.448, 0.896), T_SIZES[1:]),
                _sizes("db.t4g", (0.025, 0.05, 0.1, 0.2, 0.4, 0.8), T_SIZES[1:]),
                {"db.r6g.large": 0.275})},
            "storage": {"source": RDS_PAGES["mysql"], "approximate": True, "gp2_gb_month": 0.131,
                        "gp3_gb_month": 0.131},
        },
        "aurora": {
            "source": AURORA_PAGE,
            "approximate": True,
            "instance_hour": {
                "aurora-mysql": {"db.t3.medium": 0.1, "db.t3.large": 0.2, "db.t4g.medium": 0.09,
                                 "db.t4g.large": 0.18, "db.r6g.large": 0.31},
                "aurora-postgresql": {"db.t3.medium": 0.1, "db.t3.large": 0.2, "db.t4g.medium": 0.09,
                                      "db.t4g.large": 0.18, "db.r6g.large": 0.31},
            },
            "storage_gb_month": 0.12,
            "io_million": 0.24,
            "serverless_v2_acu_hour": 0.15,
        },
        "elasticache": {
            "source": ELASTICACHE_PAGE,
            "approximate": True,
            "node_hour": _merge(
                _sizes("cache.t2", (0.026, 0.052, 0.104), ("micro", "small", "medium")),
                _sizes("cache.t3", (0.025, 0.05, 0.099), ("micro", "small", "medium")),
                _sizes("cache.t4g", (0.024, 0.047, 0.094), ("micro", "small", "medium")),
            ),
        },
        "nat_gateway": {"source": VPC_PAGE, "hour": 0.059, "gb": 0.059},
        "interface_endpoint": {"source": PRIVATELINK_PAGE, "hour_per_az": 0.013},
        "kms": {"source": KMS_PAGE, "key_month": 1.0},
        "secrets_manager": {"source": SECRETS_PAGE, "secret_month": 0.40},
        "cloudwatch": {"source": CLOUDWATCH_PAGE, "alarm_month": 0.10, "dashboard_month": 3.0, "metric_month": 0.30,
                       "log_ingest_gb": 0.76, "log_storage_gb_month": 0.033,
                       "approximate": ("log_storage_gb_month",)},
        "fargate": {"source": FARGATE_PAGE, "vcpu_hour": 0.04656, "gb_hour": 0.00511, "spot_discount": 0.70},
        "alb": {"source": ELB_PAGE, "hour": 0.0225, "lcu_hour": 0.008},
        "free_tier": {"source": FREE_TIER_PAGE, "ec2_instance_type": "t2.micro"},
    },
}

# The legacy 12-month free tier (accounts created before NEW_ACCOUNT_PLAN_DATE), a month's
# allowance; each is shared by every resource of its kind. CloudWatch's allowance is always free
# (every account, every month).
LEGACY_FREE_TIER = {
    "ec2_hours": 750,  # of the region's free instance type (t2.micro, or t3.micro where t2 is not offered)
    "ebs_gb_month": 30,
    "public_ipv4_hours": 750,
    "rds_hours": 750,  # db.t2/db.t3/db.t4g.micro, Single-AZ, RDS engines (not Aurora)
    "rds_storage_gb_month": 20,
    "cache_hours": 750,  # cache.t2.micro or cache.t3.micro
    "alb_hours": 750,
    "alb_lcu_hours": 15,
}
ALWAYS_FREE = {"alarms": 10, "dashboards": 3, "log_gb": 5, "metrics": 10}
RDS_FREE_CLASSES = ("db.t2.micro", "db.t3.micro", "db.t4g.micro")
CACHE_FREE_NODES = ("cache.t2.micro", "cache.t3.micro")

DATABASE_PROFILES = {
    "aurora": ("aurora-mysql", "aurora-postgresql"),
    "serverless": ("aurora-mysql", "aurora-postgresql"),
    "free_tier": ("mysql", "postgres", "mariadb"),
}
FARGATE_MEMORY = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4097, 1024)),
    1024: tuple(range(2048, 8193, 1024)),
    2048: tuple(range(4096, 16385, 1024)),
    4096: tuple(range(8192, 30721, 1024)),
    8192: tuple(range(16384, 61441, 4096)),
    16384: tuple(range(32768, 122881, 8192)),
}

DEPLOYMENT_KEYS = (
    "region", "hosts", "database", "cache", "nat_gateways", "nat_gb_per_month", "interface_endpoints",
    "kms_keys", "secrets", "alarms", "custom_metrics", "dashboards", "log_gb_per_month", "log_retention_days",
    "fargate_tasks", "load_balancers", "alb_lcus", "availability_zones",
)
HOST_KEYS = ("bot", "instance_type", "root_volume_gib", "public_ipv4")
DATABASE_KEYS = ("profile", "engine", "instance_class", "storage_gib", "storage_type", "multi_az",
                 "min_acu", "max_acu", "io_millions_per_month")
CACHE_KEYS = ("node_type", "nodes")
TASK_KEYS = ("bot", "cpu_units", "memory_mib", "spot", "count", "public_ipv4")

COLUMNS = (("resource", 18, "<"), ("what", 31, "<"), ("quantity", 8, ">"), ("unit", 6, "<"),
           ("unit USD", 8, ">"), ("monthly", 8, ">"), ("legacy", 8, ">"))
# At most 100 characters a line; printed by a debug task (indented 8), 92 still fit 100 columns.
TEXT_WIDTH = 92

CENT = Decimal("0.01")


def _d(value):
    return Decimal(str(value))


def _usd(value):
    """A Decimal rounded to cents (half up)."""
    return _d(value).quantize(CENT, rounding=ROUND_HALF_UP)


def known_regions(prices=None):
    return sorted(prices or PRICES)


def _closest(value, known):
    found = difflib.get_close_matches(str(value), [str(k) for k in known], n=1)
    return " (did you mean '%s'?)" % found[0] if found else ""


def _unknown(what, value, region, known):
    return ValueError("%s '%s' has no price in the cost table for %s%s; it knows: %s." % (
        what, value, region, _closest(value, known), ", ".join(sorted(known))))


def _check_keys(where, value, keys):
    if not isinstance(value, dict):
        raise ValueError("%s must be a mapping, not %r." % (where, value))
    unknown = sorted(set(value) - set(keys))
    if unknown:
        raise ValueError("%s: unknown key '%s'%s; the keys are: %s." % (
            where, unknown[0], _closest(unknown[0], keys), ", ".join(keys)))


def _number(where, value, default=0, integer=False):
    """A non-negative number (a numeric string is accepted: templated values may be strings)."""
    if value is None or value == "":
        value = default
    if isinstance(value, bool):
        raise ValueError("%s must be a number, not %r." % (where, value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError("%s must be a number, not %r." % (where, value))
    if math.isnan(number) or math.isinf(number) or number < 0:
        raise ValueError("%s must be zero or more, not %r." % (where, value))
    if integer:
        if number != int(number):
            raise ValueError("%s must be a whole number, not %r." % (where, value))
        return int(number)
    return number


def _flag(where, value, default):
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0"):
        return False
    raise ValueError("%s must be true or false, not %r." % (where, value))


def _list(where, value):
    if value is None or value == "":
        return []
    if not isinstance(value, (list, tuple)):
        raise ValueError("%s must be a list, not %r." % (where, value))
    return list(value)


def _approximate(group, key):
    marked = group.get("approximate", False)
    return marked is True or (isinstance(marked, (list, tuple)) and key in marked)


class _Estimate:
    """Collects the lines and draws the shared free-tier allowances down, line by line."""

    def __init__(self, region, prices):
        self.region = region
        self.prices = prices
        self.lines = []
        self.assumptions = []
        self.free = dict(LEGACY_FREE_TIER)
        self.free.update(("always_%s" % k, v) for k, v in ALWAYS_FREE.items())
        self.approximate = []

    def assume(self, sentence):
        if sentence not in self.assumptions:
            self.assumptions.append(sentence)

    def add(self, resource, what, quantity, unit, unit_usd, source, free_pool=None, approximate=False):
        """One line; free_pool names the allowance of LEGACY_FREE_TIER / ALWAYS_FREE it may use."""
        quantity = _d(quantity)
        unit_usd = _d(unit_usd)
        monthly = _usd(quantity * unit_usd)
        legacy = monthly
        if free_pool:
            free = min(quantity, _d(self.free[free_pool]))
            self.free[free_pool] = _d(self.free[free_pool]) - free
            legacy = _usd((quantity - free) * unit_usd)
        if approximate:
            self.approximate.append("%s (%s)" % (resource, what))
        self.lines.append({
            "resource": resource,
            "what": what,
            "quantity": float(quantity),
            "unit": unit,
            "unit_usd": float(unit_usd),
            "monthly_usd": float(monthly),
            "free_tier_legacy_usd": float(legacy),
            "source": source,
            "approximate": bool(approximate),
        })


def _hosts(est, hosts, ipv4_users):
    ec2 = est.prices["ec2"]
    free_type = est.prices["free_tier"]["ec2_instance_type"]
    for index, host in enumerate(_list("hosts", hosts)):
        where = "hosts[%d]" % index
        _check_keys(where, host, HOST_KEYS)
        bot = str(host.get("bot") or "host%d" % (index + 1))
        itype = host.get("instance_type")
        if itype not in ec2["instance_hour"]:
            raise _unknown("EC2 instance type (host %s)" % bot, itype, est.region, ec2["instance_hour"])
        est.add("ec2 %s" % bot, "%s on-demand, Linux" % itype, HOURS_PER_MONTH, "h",
                ec2["instance_hour"][itype], ec2.get("sources", {}).get(itype, ec2["source"]),
                free_pool="ec2_hours" if itype == free_type else None,
                approximate=_approximate(ec2, itype))
        size = _number(where + ".root_volume_gib", host.get("root_volume_gib"), default=8)
        est.add("ebs %s" % bot, "gp3 root volume", size, "GB-mo", est.prices["ebs"]["gp3_gb_month"],
                est.prices["ebs"]["source"], free_pool="ebs_gb_month")
        if _flag(where + ".public_ipv4", host.get("public_ipv4"), True):
            ipv4_users.append(("ipv4 %s" % bot, "public IPv4 (Elastic IP)", 1))
    if est.lines:
        est.assume("EC2 hosts run all month on demand (730 h); t3/t3a/t4g hosts run in unlimited mode, "
                   "whose CPU credits above the baseline cost extra.")


def _network(est, deployment, ipv4_users):
    nat = _number("nat_gateways", deployment.get("nat_gateways"), integer=True)
    if nat:
        group = est.prices["nat_gateway"]
        gb = _number("nat_gb_per_month", deployment.get("nat_gb_per_month"), default=DEFAULT_NAT_GB_PER_MONTH)
        est.add("nat", "NAT gateway x %d" % nat, nat * HOURS_PER_MONTH, "h", group["hour"], group["source"])
        est.add("nat data", "%g GB processed each (assumed)" % gb, nat * gb, "GB", group["gb"], group["source"])
        ipv4_users.append(("ipv4 nat", "public IPv4 of the NAT gateways", nat))
        est.assume("Each NAT gateway processes %g GB a month (nat_gb_per_month); traffic to the "
                   "internet is also charged as data transfer out (not counted)." % gb)
    endpoints = _number("interface_endpoints", deployment.get("interface_endpoints"), integer=True)
    if endpoints:
        group = est.prices["interface_endpoint"]
        est.add("vpc endpoints", "interface endpoint x AZ: %d" % endpoints, endpoints * HOURS_PER_MONTH, "h",
                group["hour_per_az"], group["source"])
        est.assume("Interface endpoints are counted per service and zone; their data processing "
                   "(0.01 USD/GB) is not counted, gateway endpoints (S3, DynamoDB) are free.")
    lbs = _number("load_balancers", deployment.get("load_balancers"), integer=True)
    if lbs:
        group = est.prices["alb"]
        lcus = _number("alb_lcus", deployment.get("alb_lcus"), default=DEFAULT_ALB_LCUS)
        zones = _number("availability_zones", deployment.get("availability_zones"),
                        default=DEFAULT_AVAILABILITY_ZONES, integer=True)
        est.add("alb", "Application Load Balancer x %d" % lbs, lbs * HOURS_PER_MONTH, "h", group["hour"],
                group["source"], free_pool="alb_hours")
        est.add("alb lcu", "%g LCU each (assumed)" % lcus, lbs * lcus * HOURS_PER_MONTH, "LCU-h",
                group["lcu_hour"], group["source"], free_pool="alb_lcu_hours")
        ipv4_users.append(("ipv4 alb", "public IPv4, one per ALB zone", lbs * zones))
        est.assume("Each ALB uses %g LCU on average (alb_lcus) and is internet-facing in %d zones "
                   "(one public IPv4 address each)." % (lcus, zones))


def _fargate(est, tasks, ipv4_users):
    group = est.prices["fargate"]
    spot_used = False
    for index, task in enumerate(_list("fargate_tasks", tasks)):
        where = "fargate_tasks[%d]" % index
        _check_keys(where, task, TASK_KEYS)
        bot = str(task.get("bot") or "task%d" % (index + 1))
        cpu = _number(where + ".cpu_units", task.get("cpu_units"), default=256, integer=True)
        memory = _number(where + ".memory_mib", task.get("memory_mib"), default=512, integer=True)
        if cpu not in FARGATE_MEMORY:
            raise ValueError("%s (%s): cpu_units %d is not a Fargate size; the sizes are %s." % (
                where, bot, cpu, ", ".join(str(c) for c in sorted(FARGATE_MEMORY))))
        if memory not in FARGATE_MEMORY[cpu]:
            raise ValueError("%s (%s): memory_mib %d does not go with cpu_units %d; Fargate takes %s." % (
                where, bot, memory, cpu, ", ".join(str(m) for m in FARGATE_MEMORY[cpu])))
        count = _number(where + ".count", task.get("count"), default=1, integer=True)
        spot = _flag(where + ".spot", task.get("spot"), False)
        factor = _d(1) - _d(group["spot_discount"]) if spot else _d(1)
        spot_used = spot_used or spot
        kind = "Spot" if spot else "on-demand"
        hours = count * HOURS_PER_MONTH
        est.add("fargate %s" % bot, "%g vCPU x %d, %s" % (cpu / 1024.0, count, kind), _d(cpu) / 1024 * hours,
                "vCPU-h", _d(group["vcpu_hour"]) * factor, group["source"])
        est.add("fargate %s" % bot, "%g GB x %d, %s" % (memory / 1024.0, count, kind), _d(memory) / 1024 * hours,
                "GB-h", _d(group["gb_hour"]) * factor, group["source"])
        if _flag(where + ".public_ipv4", task.get("public_ipv4"), False):
            ipv4_users.append(("ipv4 %s" % bot, "public IPv4 of the tasks", count))
    if spot_used:
        est.assume("Fargate Spot is priced at an average %d%% below on-demand; the real Spot price moves "
                   "with spare capacity." % round(group["spot_discount"] * 100))
    if tasks:
        est.assume("Fargate tasks run all month (Linux, x86_64); ARM64 tasks cost about 20% less.")


def _database(est, database):
    if not database:
        return
    _check_keys("database", database, DATABASE_KEYS)
    engine = database.get("engine")
    klass = database.get("instance_class")
    profile = database.get("profile") or ("aurora" if str(engine).startswith("aurora") else "free_tier")
    if profile == "aurora" and klass == "db.serverless":
        profile = "serverless"
    if profile not in DATABASE_PROFILES:
        raise ValueError("database.profile '%s' is not one of %s." % (profile, ", ".join(DATABASE_PROFILES)))
    if engine not in DATABASE_PROFILES[profile]:
        raise ValueError("database.engine '%s' does not fit profile %s, which takes %s." % (
            engine, profile, ", ".join(DATABASE_PROFILES[profile])))
    multi_az = _flag("database.multi_az", database.get("multi_az"), False)
    copies = 2 if multi_az else 1
    if profile in ("aurora", "serverless"):
        _aurora(est, database, profile, engine, klass, copies)
    else:
        _rds(est, database, engine, klass, multi_az, copies)


def _aurora(est, database, profile, engine, klass, copies):
    group = est.prices["aurora"]
    approximate = _approximate(group, "instance_hour")
    if profile == "serverless":
        low = _number("database.min_acu", database.get("min_acu"), default=0.5)
        high = _number("database.max_acu", database.get("max_acu"), default=low)
        est.add("aurora", "Serverless v2 %s, %g-%g ACU" % (engine, low, high), low * HOURS_PER_MONTH * copies,
                "ACU-h", group["serverless_v2_acu_hour"], group["source"], approximate=approximate)
        est.assume("Aurora Serverless v2 runs at its minimum of %g ACU all month (an idle bot database); "
                   "at its maximum of %g ACU it costs %s USD a month." % (
                       low, high, _usd(_d(high) * HOURS_PER_MONTH * copies * _d(group["serverless_v2_acu_hour"]))))
    else:
        classes = group["instance_hour"][engine]
        if klass not in classes:
            raise _unknown("Aurora instance class (%s)" % engine, klass, est.region, classes)
        est.add("aurora", "%s %s%s" % (klass, engine, " x2" if copies == 2 else ""), HOURS_PER_MONTH * copies,
                "h", classes[klass], group["source"], approximate=approximate)
        if copies == 2:
            est.assume("Multi-AZ Aurora is a writer and one reader in another zone: twice the instance.")
    given = database.get("storage_gib")
    storage = _number("database.storage_gib", given, default=DEFAULT_AURORA_STORAGE_GIB)
    io = _number("database.io_millions_per_month", database.get("io_millions_per_month"),
                 default=DEFAULT_AURORA_IO_MILLIONS)
    est.add("aurora storage", "Aurora Standard storage", storage, "GB-mo", group["storage_gb_month"],
            group["source"], approximate=approximate)
    est.add("aurora i/o", "%g million I/O (assumed)" % io, io, "1M I/O", group["io_million"], group["source"],
            approximate=approximate)
    est.assume("Aurora stores %g GB (it bills what is stored, the cluster volume once) and makes %g million "
               "I/O requests a month (Aurora Standard); Aurora is not in the free tier." % (storage, io))


def _rds(est, database, engine, klass, multi_az, copies):
    rds = est.prices["rds"]
    group = rds[engine]
    if klass not in group["instance_hour"]:
        raise _unknown("RDS instance class (%s)" % engine, klass, est.region, group["instance_hour"])
    free = klass in RDS_FREE_CLASSES and not multi_az
    est.add("rds", "%s %s%s" % (klass, engine, " Multi-AZ x2" if multi_az else ""), HOURS_PER_MONTH * copies,
            "h", group["instance_hour"][klass], group["source"], free_pool="rds_hours" if free else None,
            approximate=_approximate(group, klass))
    storage_type = str(database.get("storage_type") or "gp2")
    key = "%s_gb_month" % storage_type
    if key not in rds["storage"]:
        raise ValueError("database.storage_type '%s' is not one of gp2, gp3." % storage_type)
    storage = _number("database.storage_gib", database.get("storage_gib"), default=20)
    est.add("rds storage", "%s storage%s" % (storage_type, " x2 (Multi-AZ)" if multi_az else ""),
            storage * copies, "GB-mo", rds["storage"][key], rds["storage"]["source"],
            free_pool="rds_storage_gb_month" if free else None, approximate=_approximate(rds["storage"], key))
    if multi_az:
        est.assume("Multi-AZ RDS is twice the instance and the storage (a standby in another zone); "
                   "the free tier covers Single-AZ only.")
    est.assume("RDS backup storage up to the size of the database is free; snapshots beyond it are not counted.")


def _cache(est, cache):
    if not cache:
        return
    _check_keys("cache", cache, CACHE_KEYS)
    group = est.prices["elasticache"]
    node = cache.get("node_type")
    if node not in group["node_hour"]:
        raise _unknown("ElastiCache node type", node, est.region, group["node_hour"])
    nodes = _number("cache.nodes", cache.get("nodes"), default=1, integer=True)
    est.add("elasticache", "%s x %d node%s" % (node, nodes, "" if nodes == 1 else "s"), nodes * HOURS_PER_MONTH,
            "h", group["node_hour"][node], group["source"],
            free_pool="cache_hours" if node in CACHE_FREE_NODES else None, approximate=_approximate(group, node))


def _services(est, deployment):
    kms = _number("kms_keys", deployment.get("kms_keys"), integer=True)
    if kms:
        group = est.prices["kms"]
        est.add("kms", "customer-managed key", kms, "key-mo", group["key_month"], group["source"])
        est.assume("KMS and Secrets Manager requests (0.03 and 0.05 USD per 10,000) are not counted.")
    secrets = _number("secrets", deployment.get("secrets"), integer=True)
    if secrets:
        group = est.prices["secrets_manager"]
        est.add("secrets manager", "secret", secrets, "month", group["secret_month"], group["source"])
    cloudwatch = est.prices["cloudwatch"]
    alarms = _number("alarms", deployment.get("alarms"), integer=True)
    if alarms:
        est.add("cw alarms", "standard-resolution alarm", alarms, "month", cloudwatch["alarm_month"],
                cloudwatch["source"], free_pool="always_alarms")
    metrics = _number("custom_metrics", deployment.get("custom_metrics"), integer=True)
    if metrics:
        est.add("cw metrics", "custom metric (first 10,000)", metrics, "month", cloudwatch["metric_month"],
                cloudwatch["source"], free_pool="always_metrics")
        est.assume("Custom metrics' PutMetricData requests (one a minute per bot, and the CloudWatch agent's) stay "
                   "within the 1 million API requests a month CloudWatch gives free.")
    dashboards = _number("dashboards", deployment.get("dashboards"), integer=True)
    if dashboards:
        est.add("cw dashboards", "dashboard (3 per account free)", dashboards, "month",
                cloudwatch["dashboard_month"], cloudwatch["source"], free_pool="always_dashboards")
    logs = _number("log_gb_per_month", deployment.get("log_gb_per_month"))
    if logs:
        days = _number("log_retention_days", deployment.get("log_retention_days"),
                       default=DEFAULT_LOG_RETENTION_DAYS, integer=True)
        stored = _d(logs) * days / (_d(HOURS_PER_MONTH) / 24)
        stored = stored.quantize(CENT, rounding=ROUND_HALF_UP)
        est.add("cw logs", "log ingestion", logs, "GB", cloudwatch["log_ingest_gb"], cloudwatch["source"],
                free_pool="always_log_gb")
        est.add("cw logs", "log storage, %d days kept" % days, stored, "GB-mo", cloudwatch["log_storage_gb_month"],
                cloudwatch["source"], free_pool="always_log_gb",
                approximate=_approximate(cloudwatch, "log_storage_gb_month"))
        est.assume("The bots send %g GB of logs a month, kept %d days (stored size counted as sent; "
                   "CloudWatch bills the compressed size)." % (logs, days))


def _ipv4(est, users):
    group = est.prices["public_ipv4"]
    for resource, what, count in users:
        est.add(resource, what, count * HOURS_PER_MONTH, "h", group["hour"], group["source"],
                free_pool="public_ipv4_hours")
    if users:
        est.assume("Every public IPv4 address costs 0.005 USD an hour since 2024-02-01, attached Elastic IPs "
                   "included.")


def estimate(deployment, prices=None):
    """The monthly cost of a deployment, in USD, from the price table.

    deployment (a dict; the preflight play builds it from the deployment's variables):
      region: an AWS region of the price table (``us-east-1``, ``ap-northeast-2``).
      hosts: EC2 hosts, one per bot: ``{bot, instance_type, root_volume_gib (default 8),
        public_ipv4 (default true: an Elastic IP)}``.
      database: null, or ``{profile: aurora | free_tier | serverless, engine (aurora-mysql,
        aurora-postgresql; free_tier: mysql, postgres, mariadb), instance_class (db.serverless
        makes an aurora profile serverless), storage_gib (aurora: assumed 10 when null; free_tier:
        allocated, default 20), storage_type (free_tier: gp2 default, gp3), multi_az (default
        false), min_acu, max_acu (serverless), io_millions_per_month (aurora, assumed 10)}``.
      cache: null, or ``{node_type, nodes (default 1)}``.
      nat_gateways: how many (each also holds a public IPv4 address); nat_gb_per_month: GB each
        processes (assumed 10).
      interface_endpoints: VPC interface endpoints counted per service and zone.
      kms_keys, secrets, alarms, custom_metrics, dashboards: how many.
      log_gb_per_month: GB of logs sent to CloudWatch; log_retention_days (default 30).
      fargate_tasks: ``{bot, cpu_units, memory_mib, spot (default false), count (default 1),
        public_ipv4 (default false)}``.
      load_balancers: internet-facing ALBs; alb_lcus: average LCUs each (assumed 1);
        availability_zones: zones of each ALB (default 2, one public IPv4 address each).
    Missing counts are 0. A value of the wrong type, an unknown key, region, instance type,
    instance class or node type raises ValueError naming it and what is known.

    prices: the price table to use (default PRICES).

    Returns a dict: lines (each: resource, what, quantity, unit, unit_usd, monthly_usd,
    free_tier_legacy_usd, source, approximate), monthly_usd (the total), legacy_free_tier_usd
    (what an account on the legacy 12-month free tier pays in its first year, CloudWatch's
    always-free allowance included), new_account_note, assumptions (sentences), region,
    price_date, hours_per_month.
    """
    prices = PRICES if prices is None else prices
    _check_keys("deployment", deployment, DEPLOYMENT_KEYS)
    region = deployment.get("region")
    if region not in prices:
        raise ValueError("region '%s' has no prices in the cost table (%s)%s; it knows: %s." % (
            region, PRICE_DATE, _closest(region, prices), ", ".join(known_regions(prices))))
    est = _Estimate(region, prices[region])
    ipv4_users = []
    _hosts(est, deployment.get("hosts"), ipv4_users)
    _network(est, deployment, ipv4_users)
    _fargate(est, deployment.get("fargate_tasks"), ipv4_users)
    _ipv4(est, ipv4_users)
    _database(est, deployment.get("database"))
    _cache(est, deployment.get("cache"))
    _services(est, deployment)

    monthly = sum((_d(line["monthly_usd"]) for line in est.lines), Decimal(0))
    legacy = sum((_d(line["free_tier_legacy_usd"]) for line in est.lines), Decimal(0))
    free_type = prices[region]["free_tier"]["ec2_instance_type"]
    est.assume("Legacy free tier (accounts created before %s), first year: 750 h of %s, 30 GB of EBS, 750 h of "
               "public IPv4, 750 h of a db.t2/t3/t4g.micro Single-AZ RDS instance with 20 GB, 750 h of "
               "cache.t2/t3.micro, 750 h of an ALB with 15 LCU-hours, each shared by all resources of its kind; "
               "CloudWatch's always-free 10 alarms, 10 custom metrics, 3 dashboards and 5 GB of logs (every "
               "account, not counted in monthly_usd)." % (NEW_ACCOUNT_PLAN_DATE, free_type))
    est.assume("Not counted: data transfer out (100 GB a month free), EBS snapshots, requests to S3 and the APIs.")
    if est.approximate:
        est.assume("Approximate figures (not read off the AWS price page on %s; check them there): %s." % (
            PRICE_DATE, ", ".join(est.approximate)))
    return {
        "region": region,
        "price_date": PRICE_DATE,
        "hours_per_month": HOURS_PER_MONTH,
        "lines": est.lines,
        "monthly_usd": float(_usd(monthly)),
        "legacy_free_tier_usd": float(_usd(legacy)),
        "new_account_note": (
            "Accounts created on or after %s get credits on a free or paid plan instead of the 12-month "
            "free tier: the full monthly_usd (%s USD) is charged against the credits." % (
                NEW_ACCOUNT_PLAN_DATE, _usd(monthly))),
        "assumptions": est.assumptions,
    }


def _cell(text, width, align):
    text = str(text)
    if len(text) > width:
        text = text[:width - 1] + "~"
    return ("{0:%s%d}" % (align, width)).format(text)


def _row(values):
    return " ".join(_cell(value, width, align) for value, (_name, width, align) in zip(values, COLUMNS)).rstrip()


def _number_text(value):
    text = ("%.6f" % value).rstrip("0")
    return text + "0" * max(0, 2 - len(text.split(".")[1]))


def _quantity_text(value):
    return ("%.2f" % value).rstrip("0").rstrip(".")


def render_table(result):
    """The estimate as plain-text lines (fixed-width columns, none longer than 100 characters),
    ending with the machine-readable line ``cost: monthly_usd=<n> legacy_free_tier_usd=<n>``."""
    width = sum(w for _n, w, _a in COLUMNS) + len(COLUMNS) - 1
    rule = "-" * width
    lines = [
        "Monthly cost of the deployment in %s: USD, on-demand, before taxes, %d h a month" % (
            result["region"], result["hours_per_month"]),
        "(prices of %s; 'legacy' = first year on the legacy 12-month free tier)" % result["price_date"],
        rule,
        _row([name for name, _w, _a in COLUMNS]),
        rule,
    ]
    for line in result["lines"]:
        lines.append(_row([line["resource"], line["what"] + ("*" if line.get("approximate") else ""),
                           _quantity_text(line["quantity"]), line["unit"], _number_text(line["unit_usd"]),
                           "%.2f" % line["monthly_usd"], "%.2f" % line["free_tier_legacy_usd"]]))
    lines.append(rule)
    lines.append(_row(["total", "", "", "", "", "%.2f" % result["monthly_usd"],
                       "%.2f" % result["legacy_free_tier_usd"]]))
    lines.append(rule)
    if any(line.get("approximate") for line in result["lines"]):
        lines.append("* approximate figure: check it on the AWS price page (see the assumptions)")
    for sentence in [result["new_account_note"]] + list(result["assumptions"]):
        lines.extend(textwrap.wrap(sentence, TEXT_WIDTH, initial_indent="- ", subsequent_indent="  "))
    lines.append("cost: monthly_usd=%.2f legacy_free_tier_usd=%.2f" % (
        result["monthly_usd"], result["legacy_free_tier_usd"]))
    return lines


def ec2_price_filters(region, instance_type):
    """pricing:GetProducts filters for the on-demand Linux price of an instance type in a region."""
    fields = (("instanceType", instance_type), ("regionCode", region), ("operatingSystem", "Linux"),
              ("tenancy", "Shared"), ("preInstalledSw", "NA"), ("capacitystatus", "Used"),
              ("licenseModel", "No License required"))
    return [{"Type": "TERM_MATCH", "Field": field, "Value": value} for field, value in fields]


def ec2_price_from_price_list(price_list):
    """The on-demand USD per hour in a pricing:GetProducts PriceList (JSON strings), or None."""
    found = set()
    for item in price_list or []:
        product = json.loads(item) if isinstance(item, str) else item
        for term in product.get("terms", {}).get("OnDemand", {}).values():
            for dimension in term.get("priceDimensions", {}).values():
                usd = dimension.get("pricePerUnit", {}).get("USD")
                if dimension.get("unit") == "Hrs" and usd and float(usd) > 0:
                    found.add(float(usd))
    return found.pop() if len(found) == 1 else None


def with_ec2_prices(prices, region, refreshed, source):
    """A copy of the price table with the EC2 instance-hours of one region replaced."""
    table = copy.deepcopy(prices)
    ec2 = table[region]["ec2"]
    ec2["instance_hour"].update(refreshed)
    ec2.setdefault("sources", {}).update((itype, source) for itype in refreshed)
    if refreshed:
        approximate = ec2.get("approximate")
        if isinstance(approximate, (list, tuple)):
            ec2["approximate"] = tuple(k for k in approximate if k not in refreshed)
    return table
