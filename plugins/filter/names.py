# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters giving the names the collection derives (plugins/module_utils/naming.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.tradeops.aws.plugins.module_utils import naming


def deployment_names(project, environment):
    """Names of the deployment: secret names, SSM paths, identifiers, log group prefix."""
    return naming.deployment_names(project, environment)


def account_names(region, account_id=None):
    """Names of the account-wide baseline: the trail, its KMS key alias and (with the account id)
    its bucket."""
    return naming.account_names(region, str(account_id) if account_id else None)


def name_limits(project, environment, bots=None):
    """{label: [name, limit]} of the derived names AWS limits in length (with bots: theirs too)."""
    return naming.name_limits(project, environment, bots)


def bot_names(bot, project, environment):
    """Names of one bot: units, release root, env file, log file and group, health URL."""
    if not isinstance(bot, dict) or not bot.get("name"):
        raise AnsibleFilterError("bot_names needs a bot (a tradeops_bots item with a name), got %r" % (bot,))
    return naming.bot_names(bot, project, environment)


def bot_inventory_group(bot_name):
    """The dynamic inventory's group of a bot's hosts (bot_<name>)."""
    return naming.inventory_group(bot_name)


def sandbox_host_container(instance_id, project):
    """Name of the sandbox container that plays an EC2 instance."""
    return naming.sandbox_host_container(project, instance_id)


class FilterModule(object):
    def filters(self):
        return {
            "deployment_names": deployment_names,
            "name_limits": name_limits,
            "account_names": account_names,
            "bot_names": bot_names,
            "sandbox_host_container": sandbox_host_container,
            "bot_inventory_group": bot_inventory_group,
        }
