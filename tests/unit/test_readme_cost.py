# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""README.md's "What it costs" tables are what scripts/cost_table.py prints: the default
deployment (group_vars/all.yml, the role defaults and the deployment the preflight play's cost
task builds) and the free_tier profile, priced by plugins/module_utils/cost.py.

When this fails, run `python scripts/cost_table.py` and paste its output over the tables.
"""

import json
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HEADING = "### What it costs"


def script(*args):
    """The output of scripts/cost_table.py (a process of its own: it sets up Ansible's
    collection loader, which is not for the test process)."""
    return subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "cost_table.py")] + list(args),
                          cwd=ROOT, capture_output=True, text=True, check=True).stdout


def readme_section():
    """The text after the heading, up to the next heading."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert HEADING in lines, "README.md has no line '%s'" % HEADING
    section = lines[lines.index(HEADING) + 1:]
    end = next((i for i, line in enumerate(section) if line.startswith("#")), len(section))
    return "\n".join(section[:end]) + "\n"


def test_readme_has_the_generated_cost_tables():
    section = readme_section()
    generated = script()
    assert generated in section, "README.md's cost tables differ: run python scripts/cost_table.py"
    # Nothing else in the section looks like a table of its own.
    assert section.count("```text") == generated.count("```text") == 2


def test_the_section_says_how_to_get_and_bound_the_cost():
    section = readme_section()
    for text in ("playbooks/cost.yml", "tradeops_budget_usd", "scripts/cost_table.py", "2025-07-15",
                 "free tier", "credits"):
        assert text in section, text
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        readme = handle.read()
    assert "| `tradeops_budget_usd` | unset |" in readme
    assert "| `tradeops_log_gb_per_month` | `1` |" in readme


def test_the_default_deployment_is_what_the_roles_say():
    """The script reads the roles' defaults and the preflight task: one t2.micro host with an
    Elastic IP, Aurora db.t4g.medium (PostgreSQL for the Python example bot), one cache.t3.micro."""
    deployment = json.loads(script("--deployment"))
    assert deployment["region"] == "us-east-1"
    assert deployment["hosts"] == [{"bot": "paper", "instance_type": "t2.micro", "root_volume_gib": 20,
                                    "public_ipv4": True}]
    assert deployment["database"]["profile"] == "aurora"
    assert deployment["database"]["instance_class"] == "db.t4g.medium"
    assert deployment["database"]["engine"] == "aurora-postgresql"
    assert deployment["cache"] == {"node_type": "cache.t3.micro", "nodes": 1}
    assert deployment["fargate_tasks"] == []
    free = json.loads(script("--deployment", json.dumps({"database_profile": "free_tier"})))["database"]
    assert (free["profile"], free["engine"], free["instance_class"], free["storage_gib"]) == (
        "free_tier", "postgres", "db.t4g.micro", 20)
    # No bot uses a data service: none is priced.
    bots = [{"name": "kis", "kind": "python", "version": "1", "package": "kis", "command": "kis"}]
    bare = json.loads(script("--deployment", json.dumps({"tradeops_bots": bots})))
    assert bare["database"] is None and bare["cache"] is None
    assert re.match(r"^cost: monthly_usd=\d+\.\d\d legacy_free_tier_usd=\d+\.\d\d$",
                    script().split("```")[-2].splitlines()[-1])
