#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: cost_estimate
short_description: Estimate the monthly cost of a deployment in USD before anything is created
version_added: 0.1.0
description:
  - Prices a deployment (hosts, database, cache, NAT gateways, VPC endpoints, load balancers,
    Fargate tasks, KMS keys, secrets, CloudWatch alarms, dashboards and logs) with the price
    table of this collection (C(plugins/module_utils/cost.py)) and returns the monthly cost in
    USD, line by line, as data and as a plain-text table whose last line is the
    machine-readable C(cost:) line, C(cost:) followed by C(monthly_usd=<n> legacy_free_tier_usd=<n>).
  - The prices are a dated snapshot (RV(price_date)) of AWS's public on-demand price pages,
    region by region, before taxes; each line names its RV(lines[].source) page. Figures not
    read off the page on that date are marked RV(lines[].approximate).
  - Two views of the same deployment. RV(monthly_usd) counts no free allowance at all.
    RV(legacy_free_tier_usd) is what an account on the legacy 12-month free tier (created
    before 2025-07-15) pays in its first year - 750 h of the region's free EC2 type (t2.micro,
    or t3.micro where t2 is not offered), 30 GB of EBS, 750 h of public IPv4, 750 h of a
    db.t2/t3/t4g.micro Single-AZ RDS instance (not Aurora) with 20 GB, 750 h of
    cache.t2/t3.micro, 750 h of an ALB, each shared by all resources of its kind - with
    CloudWatch's always-free allowance (10 alarms, 10 custom metrics, 3 dashboards, 5 GB of logs). Accounts
    created on or after 2025-07-15 get credits instead, and RV(monthly_usd) is charged
    against them (RV(new_account_note)).
  - With O(refresh_prices=false) (the default) it makes no AWS request at all and needs no
    credentials; the preflight play runs it on the controller before anything is created.
author:
  - tradeops maintainers (@tradeops)
options:
  deployment:
    description:
      - The deployment to price, a mapping with these keys (missing counts are 0).
      - C(region) - an AWS region of the price table (us-east-1, ap-northeast-2).
      - C(hosts) - EC2 hosts, a list of C({bot, instance_type, root_volume_gib, public_ipv4}).
      - C(database) - null, or C({profile, engine, instance_class, storage_gib, storage_type,
        multi_az, min_acu, max_acu, io_millions_per_month}); C(profile) is V(aurora)
        (aurora-mysql, aurora-postgresql), V(serverless) (Aurora Serverless v2, also chosen by
        C(instance_class=db.serverless)) or V(free_tier) (one RDS instance - mysql, postgres,
        mariadb). Aurora storage is assumed 10 GB and 10 million I/O a month when not given.
      - C(cache) - null, or C({node_type, nodes}).
      - C(nat_gateways), C(nat_gb_per_month) (GB each processes, assumed 10),
        C(interface_endpoints) (per service and zone), C(load_balancers), C(alb_lcus)
        (assumed 1), C(availability_zones) (of each ALB, default 2).
      - C(fargate_tasks) - a list of C({bot, cpu_units, memory_mib, spot, count, public_ipv4}).
      - C(kms_keys), C(secrets), C(alarms), C(custom_metrics) (the bots' BotHealthy and the
        CloudWatch agent's metrics), C(dashboards), C(log_gb_per_month),
        C(log_retention_days) (default 30).
    type: dict
    required: true
  budget_usd:
    description:
      - Fail when the estimated RV(monthly_usd) is above this many USD a month. The preflight
        play passes C(tradeops_budget_usd).
      - Unset, the estimate never fails on cost.
    type: float
  refresh_prices:
    description:
      - Refresh the EC2 instance-hour prices of the deployment's hosts from the AWS Price List
        API (C(pricing:GetProducts), at its us-east-1 endpoint) with boto3, using the AWS
        connection options below.
      - When the refresh fails (no credentials, no network, a product not found) the module
        warns and keeps the price table's figures.
      - V(false) makes no AWS request.
    type: bool
    default: false
notes:
  - Hours a month are 730. Not counted are data transfer out, EBS snapshots, and requests to
    KMS, Secrets Manager, S3 and the other APIs; RV(assumptions) lists every assumption the
    estimate makes.
  - The AWS connection options are used only with O(refresh_prices=true); O(region) is ignored
    (the Price List API is asked at us-east-1, for the deployment's C(region)).
  - "The errors it fails with: a O(deployment) that is not a mapping or has an unknown key
    (with the closest known one); with O(budget_usd), a region, EC2 instance type, RDS or Aurora
    instance class or ElastiCache node type the price table has no price for (naming the value
    and listing what it knows; without a budget that is a warning, RV(monthly_usd) is null and
    the last table line reads C(cost: monthly_usd=unknown ...)); an engine that does not fit the profile; a Fargate size that does not exist; a
    count that is not a non-negative number; a negative O(budget_usd); and, with O(budget_usd),
    an estimate above the budget (the message names C(tradeops_budget_usd), the estimate and
    the budget)."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
    description: The module only computes; check mode runs the same estimate.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
"""

EXAMPLES = r"""
- name: Estimate the monthly cost
  tradeops.aws.cost_estimate:
    deployment:
      region: us-east-1
      hosts:
        - {bot: xmaker, instance_type: t3.micro, root_volume_gib: 20, public_ipv4: true}
      database: {profile: aurora, engine: aurora-mysql, instance_class: db.t4g.medium, storage_gib: 10}
      cache: {node_type: cache.t3.micro, nodes: 1}
      kms_keys: 1
      secrets: 3
      alarms: 3
      dashboards: 1
      log_gb_per_month: 1
    budget_usd: 100
  register: _cost

- name: Print the table (its last line is "cost - monthly_usd=... legacy_free_tier_usd=...")
  ansible.builtin.debug:
    msg: "{{ _cost.table | join('\n') }}"

- name: A Fargate Spot bot behind a NAT gateway, EC2 prices asked of the AWS Price List API
  tradeops.aws.cost_estimate:
    deployment:
      region: us-east-1
      fargate_tasks:
        - {bot: coinbase, cpu_units: 256, memory_mib: 512, spot: true}
      nat_gateways: 1
      secrets: 1
    refresh_prices: true
"""

RETURN = r"""
monthly_usd:
  description:
    - The estimated cost of a month (730 h) in USD, before taxes, with no free allowance.
    - Null when the table has no price for the deployment's region or one of its types (a warning says which).
  returned: always
  type: float
  sample: 88.05
legacy_free_tier_usd:
  description:
    - USD a month an account on the legacy 12-month free tier (created before 2025-07-15) pays
      in its first year, CloudWatch's always-free allowance included.
  returned: always
  type: float
  sample: 58.09
new_account_note:
  description: What accounts created on or after 2025-07-15 pay (credits instead of the free tier).
  returned: always
  type: str
  sample: >-
    Accounts created on or after 2025-07-15 get credits on a free or paid plan instead of the
    12-month free tier: the full monthly_usd (88.05 USD) is charged against the credits.
lines:
  description: One line per priced item.
  returned: always
  type: list
  elements: dict
  contains:
    resource:
      description: What is priced (C(ec2 <bot>), C(aurora), C(elasticache), C(ipv4 <bot>), ...).
      type: str
      sample: ec2 xmaker
    what:
      description: The priced item in words.
      type: str
      sample: t3.micro on-demand, Linux
    quantity:
      description: How many units a month.
      type: float
      sample: 730
    unit:
      description:
        - The unit (C(h), C(GB-mo), C(GB), C(month), C(key-mo), C(1M I/O), C(vCPU-h), C(GB-h),
          C(LCU-h), C(ACU-h)).
      type: str
      sample: h
    unit_usd:
      description: USD per unit.
      type: float
      sample: 0.0104
    monthly_usd:
      description: USD a month (quantity x unit_usd, rounded to cents).
      type: float
      sample: 7.59
    free_tier_legacy_usd:
      description: USD a month on the legacy free tier, first year.
      type: float
      sample: 0.0
    source:
      description: The AWS price page the figure is from (or the Price List API when refreshed).
      type: str
      sample: https://aws.amazon.com/ec2/pricing/on-demand/
    approximate:
      description: The figure was not read off the price page on RV(price_date); check it there.
      type: bool
      sample: false
table:
  description:
    - The estimate as plain-text lines (fixed-width columns, at most 100 characters), the last
      one C(cost:) followed by C(monthly_usd=<n> legacy_free_tier_usd=<n>), two decimals each.
  returned: always
  type: list
  elements: str
  sample: ["...", "cost: monthly_usd=88.05 legacy_free_tier_usd=58.09"]
price_date:
  description: The date of the price table's figures (YYYY-MM-DD).
  returned: always
  type: str
  sample: "2025-06-01"
assumptions:
  description: Every assumption the estimate makes, one sentence each.
  returned: always
  type: list
  elements: str
  sample: ["Each NAT gateway processes 10 GB a month (nat_gb_per_month); ..."]
refreshed:
  description: The EC2 instance types whose price came from the AWS Price List API.
  returned: always
  type: list
  elements: str
  sample: [t3.micro]
"""

import datetime

try:
    import botocore
except ImportError:
    pass  # only refresh_prices needs it; AnsibleAWSModule reports it missing then

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.modules import aws_argument_spec
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.tradeops.aws.plugins.module_utils import cost

PRICING_REGION = "us-east-1"


def argument_spec():
    return dict(
        deployment=dict(type="dict", required=True),
        budget_usd=dict(type="float"),
        refresh_prices=dict(type="bool", default=False),
    )


def refresh_ec2_prices(module, deployment):
    """(price table, refreshed instance types): the hosts' EC2 prices from the Price List API."""
    region = deployment.get("region")
    hosts = deployment.get("hosts") or []
    types = sorted(set(h.get("instance_type") for h in hosts if isinstance(h, dict) and h.get("instance_type")))
    if region not in cost.PRICES or not types:
        return cost.PRICES, []
    refreshed = {}
    try:
        client = module.client("pricing", region=PRICING_REGION, retry_decorator=AWSRetry.jittered_backoff())
        for itype in types:
            answer = client.get_products(ServiceCode="AmazonEC2", Filters=cost.ec2_price_filters(region, itype),
                                         MaxResults=20, aws_retry=True)
            price = cost.ec2_price_from_price_list(answer.get("PriceList"))
            if price is None:
                module.warn("refresh_prices: the AWS Price List API has no single on-demand Linux price for %s in "
                            "%s; the price table's figure of %s is used." % (itype, region, cost.PRICE_DATE))
            else:
                refreshed[itype] = price
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.warn("refresh_prices: the AWS Price List API could not be asked (%s); the price table's figures "
                    "of %s are used." % (e, cost.PRICE_DATE))
    source = "%s, %s" % (cost.PRICE_LIST_API, datetime.date.today().isoformat())
    return cost.with_ec2_prices(cost.PRICES, region, refreshed, source), sorted(refreshed)


def main():
    spec = aws_argument_spec()
    spec.update(argument_spec())
    # A plain AnsibleModule: no boto3 needed and no AWS request unless refresh_prices is asked.
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    prices, refreshed = cost.PRICES, []
    if module.params["refresh_prices"]:
        module = AnsibleAWSModule(argument_spec=argument_spec(), supports_check_mode=True)
        prices, refreshed = refresh_ec2_prices(module, module.params["deployment"])

    budget = module.params["budget_usd"]
    if budget is not None and budget < 0:
        module.fail_json(msg="budget_usd (tradeops_budget_usd) must be zero or more, not %s." % budget)
    try:
        estimate = cost.estimate(module.params["deployment"], prices)
    except ValueError as e:
        # A region, instance type or class the table does not price: the deployment may still be
        # right (the provisioning roles check it), so only a budget makes it a failure.
        if budget is not None:
            module.fail_json(msg="tradeops_budget_usd is set, but the cost cannot be estimated: %s" % e)
        module.warn("No cost estimate: %s" % e)
        module.exit_json(changed=False, lines=[], monthly_usd=None, legacy_free_tier_usd=None,
                         new_account_note="", price_date=cost.PRICE_DATE, assumptions=[], refreshed=refreshed,
                         table=["No cost estimate: %s" % e, "cost: monthly_usd=unknown legacy_free_tier_usd=unknown"])
    result = dict(
        changed=False,
        lines=estimate["lines"],
        monthly_usd=estimate["monthly_usd"],
        legacy_free_tier_usd=estimate["legacy_free_tier_usd"],
        new_account_note=estimate["new_account_note"],
        table=cost.render_table(estimate),
        price_date=estimate["price_date"],
        assumptions=estimate["assumptions"],
        refreshed=refreshed,
    )
    if budget is not None and estimate["monthly_usd"] > budget:
        # The table goes into the message (printed as a block); the rest would only repeat it.
        module.fail_json(
            msg="tradeops_budget_usd: the estimated monthly cost of %.2f USD is above the budget of %.2f USD. "
                "Raise tradeops_budget_usd or make the deployment smaller; what costs what:\n%s" % (
                    estimate["monthly_usd"], budget, "\n".join(result["table"])),
            monthly_usd=estimate["monthly_usd"], legacy_free_tier_usd=estimate["legacy_free_tier_usd"],
            budget_usd=budget, price_date=estimate["price_date"])
    module.exit_json(**result)


if __name__ == "__main__":
    main()
