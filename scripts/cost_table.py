# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print the README's "What it costs" tables: the monthly cost of the default deployment
(group_vars/all.yml as shipped, with the provisioning roles' defaults), and of the same with
``database_profile: free_tier``.

    python scripts/cost_table.py                 # the README's tables
    python scripts/cost_table.py --deployment    # the default deployment as JSON

The deployment is what the preflight play gives tradeops.aws.cost_estimate: the `deployment`
of its task "Estimate the monthly cost" (playbooks/preflight.yml), templated by Ansible with
the role defaults and group_vars/all.yml, then priced by plugins/module_utils/cost.py.
tests/unit/test_readme_cost.py fails when README.md's section differs from this output.
"""

import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# Where tradeops.aws resolves: the link `make setup` makes, or the ansible_collections tree this
# checkout is in (ansible-test).
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")
if not os.path.isdir(COLLECTIONS):
    COLLECTIONS = os.path.abspath(os.path.join(ROOT, "..", "..", ".."))

from ansible.parsing.dataloader import DataLoader  # noqa: E402
from ansible.plugins.loader import init_plugin_loader  # noqa: E402
from ansible.template import Templar  # noqa: E402

# The role defaults use the collection's filters (tradeops.aws.data_services, ...): Ansible's
# collection loader makes them and plugins/module_utils/cost.py importable, as in a play.
init_plugin_loader([COLLECTIONS])

from ansible_collections.tradeops.aws.plugins.module_utils import cost  # noqa: E402

# The roles whose validate.yml the preflight play imports (their defaults are in scope there).
ROLES = ("network", "instance", "security_groups", "secrets", "iam", "database", "cache", "monitoring")
TASK = "Estimate the monthly cost"
# (extra variables, caption, the whole table or only its lines, total and cost line)
VIEWS = (
    ({}, "The default deployment (`group_vars/all.yml` as shipped: the example paper bot on one\n"
         "`t2.micro` host, Aurora PostgreSQL `db.t4g.medium`, one `cache.t3.micro`):", True),
    ({"database_profile": "free_tier"}, "With `database_profile: free_tier` (one RDS `db.t4g.micro` PostgreSQL "
                                        "instance\nwith 20 GB instead of Aurora; the same notes apply):", False),
)


def _load(loader, *path):
    return loader.load_from_file(os.path.join(ROOT, *path), trusted_as_template=True) or {}


def deployment(extra_vars=None):
    """The deployment the preflight play's cost task builds, as plain data."""
    loader = DataLoader()
    variables = {}
    for role in ROLES:
        variables.update(_load(loader, "roles", role, "defaults", "main.yml"))
    variables.update(_load(loader, "group_vars", "all.yml"))
    variables["ansible_config_file"] = os.path.join(ROOT, "ansible.cfg")
    variables.update(extra_vars or {})
    tasks = _load(loader, "playbooks", "preflight.yml")[0]["tasks"]
    task = [t for t in tasks if t.get("name") == TASK]
    if len(task) != 1:
        raise SystemExit("playbooks/preflight.yml has no single task named '%s'" % TASK)
    variables.update(task[0].get("vars", {}))
    templar = Templar(loader=loader, variables=variables)
    return json.loads(json.dumps(templar.template(task[0]["tradeops.aws.cost_estimate"]["deployment"])))


def section():
    """The Markdown of the generated part of the README section, ending with a newline."""
    out = []
    for extra_vars, caption, whole in VIEWS:
        table = cost.render_table(cost.estimate(deployment(extra_vars)))
        if not whole:  # up to the rule under the total, then the cost line
            rules = [i for i, line in enumerate(table) if line and set(line) == {"-"}]
            table = table[:rules[-1] + 1] + table[-1:]
        out += caption.split("\n") + ["", "```text"] + table + ["```", ""]
    return "\n".join(out[:-1]) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] == ["--deployment"]:
        print(json.dumps(deployment(), indent=2, sort_keys=True))
    elif len(sys.argv) == 3 and sys.argv[1] == "--deployment":  # with extra variables as JSON
        print(json.dumps(deployment(json.loads(sys.argv[2])), indent=2, sort_keys=True))
    else:
        sys.stdout.write(section())
