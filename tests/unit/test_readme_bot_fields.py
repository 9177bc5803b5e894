# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""README.md's "Bot fields" table is what scripts/bot_fields.py prints from the bot schema.

When this fails, run `python scripts/bot_fields.py` and paste its output over the table.
"""

import importlib.util
import os

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
HEADING = "### Bot fields"


def generated_table():
    spec = importlib.util.spec_from_file_location("bot_fields", os.path.join(ROOT, "scripts", "bot_fields.py"))
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script.table()


def readme_section():
    """The lines of README.md after the heading, up to a blank line followed by a line that is
    neither blank nor part of a table, once the table has begun."""
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        lines = handle.read().splitlines()
    assert HEADING in lines, "README.md has no line '%s'" % HEADING
    section = lines[lines.index(HEADING) + 1:]
    start = next(i for i, line in enumerate(section) if line.startswith("|"))
    end = next((i for i in range(start, len(section)) if not section[i].startswith("|")), len(section))
    return section[:start], section[start:end], section[end:end + 2]


def test_readme_has_the_generated_bot_fields_table():
    before, table, after = readme_section()
    assert "\n".join(table) + "\n" == generated_table()
    assert [line for line in before if line] == [
        "Generated from plugins/module_utils/bot_model.py by `python scripts/bot_fields.py`; a unit test fails "
        "when the two differ."]
    assert after[0] == "" and after[1] and not after[1].startswith("|")


def test_the_deployment_table_points_at_the_bot_fields():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as handle:
        text = handle.read()
    assert "| `tradeops_bots` | the example paper bot | the bots: see Bot fields below |" in text
