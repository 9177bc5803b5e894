#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: bot_model
short_description: Check the bots of a deployment (tradeops_bots) against the bot schema
version_added: 0.1.0
description:
  - Checks every bot of O(bots) against the one bot schema of this collection
    (C(plugins/module_utils/bot_model.py), listed in the README under "Bot fields") and
    returns the bots with their defaults filled in. It changes nothing and calls no AWS API;
    the preflight play runs it first.
  - Refused are, each with a message naming the bot, the field and the fix - a value that
    is not a list of mappings, unknown fields (with the closest field name), fields of the
    other kind of bot, missing required fields, values of the wrong type, names that are not
    DNS-safe or longer than 32 characters (the name is also the Linux user name), duplicate
    names, an unknown kind, versions that are not plain release names, a BBGO bot with
    neither C(sha256) nor C(artifact), C(artifact_url) without C(sha256), a C(sha256) that
    is not 64 hex digits, schedules that are not systemd calendar expressions or name an
    unknown time zone, a bad dashboard or web server port, secret-looking names in
    C(environment), and C(secrets) items that are neither Secrets Manager names nor
    tradeops.aws.secrets_env items C({name, prefix, keys, variable}).
  - Schedules are checked with C(systemd-analyze calendar) when the controller has it, else
    with the built-in parser described in the notes.
  - With O(names), also checks the length of AWS names made from C(tradeops_project) and
    C(tradeops_environment).
author:
  - tradeops maintainers (@tradeops)
options:
  bots:
    description:
      - The bots, normally C(tradeops_bots).
      - Each is a mapping of the fields listed in the README ("Bot fields").
      - A list; O(bots) is of type raw so that any other value is reported as such (a list
        option would turn a string into a list of its comma-separated parts).
    type: raw
    required: true
  names:
    description:
      - AWS names to check the length of, each a label (what the name is) mapping to
        C({value, limit}); see the examples.
    type: dict
    default: {}
notes:
  - "The built-in calendar parser accepts a shorthand (minutely, hourly, daily, weekly,
    monthly, yearly, quarterly, semiannually, annually), or an optional weekday part (Mon..Fri,
    Mon,Wed, full names, any case), an optional date part (YYYY-MM-DD or MM-DD, each component
    C(*), a list C(1,15), a range C(1..5), a step C(0/15)) and an optional time part (HH:MM or
    HH:MM:SS, components as for the date), followed by an optional time zone (UTC or an IANA
    name such as Asia/Seoul). It refuses some expressions systemd accepts: fractional seconds,
    C(~), timestamps with C(@), single-word time zones other than UTC."
  - A time zone is the last word of a schedule when it contains C(/) or is UTC; it is checked
    against the controller's time zone database.
  - The failure message lists the problems only; the bots (whose C(config) may hold anything)
    are not repeated in it.
attributes:
  check_mode:
    support: full
    description: The module only reads; it runs the same checks in check mode.
  diff_mode:
    support: none
    description: Nothing is changed, so there is no diff.
"""

EXAMPLES = r"""
- name: Check the bots
  tradeops.aws.bot_model:
    bots: "{{ tradeops_bots }}"

- name: Check the bots and the length of a name AWS limits
  tradeops.aws.bot_model:
    bots: "{{ tradeops_bots }}"
    names:
      ElastiCache replication group id:
        value: "{{ tradeops_project }}-{{ tradeops_environment }}"
        limit: 40
  register: _bots
"""

RETURN = r"""
bots:
  description: The bots with every field of their kind present and the defaults filled in.
  returned: success
  type: list
  elements: dict
  sample:
    - {name: paper, kind: python, version: "0.1.0", package: paper-bot==0.1.0, command: paper-bot,
       schedule: "", dashboard: {}, environment: {}, secrets: [], instance_type: null}
calendar_checker:
  description: What checked the schedules, V(systemd-analyze) or V(builtin parser).
  returned: always
  type: str
  sample: systemd-analyze
problems:
  description: What is wrong, one sentence each, naming the bot, the field and the fix.
  returned: failure
  type: list
  elements: str
  sample: ["tradeops_bots 'xmaker': unknown field 'pakage'; did you mean 'package'?"]
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tradeops.aws.plugins.module_utils import bot_model


def systemd_calendar_check(module, systemd_analyze):
    """A calendar_check for bot_model.validate_bots() that asks systemd-analyze."""

    def check(expr):
        rc, out, err = module.run_command([systemd_analyze, "calendar", "--", expr],
                                          environ_update=dict(LC_ALL="C"))
        if rc == 0:
            return None
        lines = [line.strip() for line in (err or out).splitlines() if line.strip()]
        return "systemd-analyze: " + (lines[0] if lines else "rc %d" % rc)

    return check


def main():
    module = AnsibleModule(
        argument_spec=dict(
            bots=dict(type="raw", required=True),
            names=dict(type="dict", default={}),
        ),
        supports_check_mode=True,
    )
    systemd_analyze = module.get_bin_path("systemd-analyze")
    if systemd_analyze:
        checker, calendar_check = "systemd-analyze", systemd_calendar_check(module, systemd_analyze)
    else:
        checker, calendar_check = "builtin parser", None
    bots = module.params["bots"]
    problems = bot_model.validate_bots(bots, calendar_check)
    try:
        problems += bot_model.check_deployment_names(module.params["names"])
    except (KeyError, TypeError, ValueError) as e:
        problems.append("names: each entry must be {value: <name>, limit: <number>} (%s)" % e)
    if problems:
        module.fail_json(msg="tradeops_bots: %d problem(s): %s" % (len(problems), "; ".join(problems)),
                         problems=problems, calendar_checker=checker)
    module.exit_json(changed=False, bots=[bot_model.apply_defaults(bot) for bot in bots],
                     calendar_checker=checker)


if __name__ == "__main__":
    main()
