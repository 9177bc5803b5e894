# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cost is printed before anything is created: playbooks/cost.yml prints the test
deployment's monthly cost and makes no AWS request, and provision.yml with a budget below the
estimate is refused in its preflight play, before any AWS request, naming tradeops_budget_usd.
The moto server (the test double for AWS, started here) records every request it gets."""

import re

from provision_support import mutating, playbook

COST_LINE = re.compile(r"^\s*cost: monthly_usd=(\d+\.\d\d) legacy_free_tier_usd=(\d+\.\d\d)$", re.M)


def test_cost_playbook_prints_the_cost_and_asks_aws_nothing(moto):
    moto.start_recording()
    run = playbook(moto, "cost.yml")
    recorded = moto.stop_recording()
    assert run.rc == 0 and run.failed == 0 and run.changed == 0, run.tail()
    assert recorded == [] and mutating(recorded) == []
    found = COST_LINE.findall(run.output)
    assert len(found) == 1, run.tail()
    monthly, legacy = (float(x) for x in found[0])
    # tests/fixtures/provision_bbgo.yml: a t2.micro and a t4g.small host, Aurora MySQL
    # db.t4g.medium, a cache.t3.micro, 2 bot secrets, 15 alarms and 16 custom metrics: 112.36 USD,
    # 77.80 on the legacy free tier.
    assert (monthly, legacy) == (112.36, 77.80), run.tail()
    # The table comes before the recap, its cost line last.
    printed = run.output.split("TASK [Print the monthly cost]")[1].split("PLAY RECAP")[0]
    assert "db.t4g.medium aurora-mysql" in printed and "ec2 kis-breakout" in printed
    assert [line.strip() for line in printed.strip().splitlines()][-1].startswith("cost: monthly_usd=")


def test_provision_over_budget_is_refused_before_any_aws_request(moto):
    moto.start_recording()
    run = playbook(moto, "provision.yml", "tradeops_budget_usd=1")
    recorded = moto.stop_recording()
    assert run.rc != 0 and run.failed == 1, run.tail()
    assert recorded == [] and mutating(recorded) == []
    failed_task = run.output.split("FAILED!")[0].rsplit("TASK [", 1)[-1]
    assert failed_task.startswith("Estimate the monthly cost"), run.tail()
    assert "Preflight" in run.output.split("FAILED!")[0].rsplit("PLAY [", 1)[-1], run.tail()
    assert ("tradeops_budget_usd: the estimated monthly cost of 112.36 USD is above the budget of 1.00 USD"
            in run.output), run.tail()
    assert "Provision the AWS resources" not in run.output
