# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Print the README's "Bot fields" table from the bot schema (plugins/module_utils/bot_model.py).

    python scripts/bot_fields.py

tests/unit/test_readme_bot_fields.py fails when README.md's table differs from this output.
"""

import json
import os
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
COLLECTIONS = os.path.join(ROOT, ".cache", "collections")  # made by `make setup`
if os.path.isdir(COLLECTIONS) and COLLECTIONS not in sys.path:
    sys.path.insert(0, COLLECTIONS)

from ansible_collections.tradeops.aws.plugins.module_utils.bot_model import BOT_FIELDS, KINDS  # noqa: E402


def default_text(spec):
    if spec["required_for"]:
        return "required"
    if spec.get("default_by_kind"):
        return ", ".join("%s: `%s`" % (kind, json.dumps(value)) for kind, value in spec["default_by_kind"].items())
    if spec["default"] is None:
        return "unset"
    return "`%s`" % json.dumps(spec["default"])


def table():
    """The Markdown table of BOT_FIELDS, one line per field, ending with a newline."""
    lines = ["| Field | Kinds | Type | Default | Meaning |", "|---|---|---|---|---|"]
    for name, spec in BOT_FIELDS.items():
        kinds = "both" if set(spec["kinds"]) == set(KINDS) else ", ".join(spec["kinds"])
        meaning = spec["description"].replace("|", "\\|")
        lines.append("| `%s` | %s | %s | %s | %s |" % (name, kinds, spec["type"], default_text(spec), meaning))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.stdout.write(table())
