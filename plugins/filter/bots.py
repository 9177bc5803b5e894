# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters over the deployment's bots (the bot schema of plugins/module_utils/bot_model.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.tradeops.aws.plugins.module_utils import bot_model, naming


def _bots(bots):
    if not isinstance(bots, list):
        raise AnsibleFilterError("expected tradeops_bots (a list of bots), got %r" % (bots,))
    return bots


def bot_defaults(bots):
    """tradeops_bots with every field of each bot's kind present, defaults filled in."""
    return [bot_model.apply_defaults(bot) for bot in _bots(bots)]


def data_services(bots):
    """The data services the bots need: {database, cache, database_family}."""
    return bot_model.data_services(_bots(bots))


def database_bots(bots, project, environment):
    """The derived names (bot_names) of the bots that use the database: each has its own database
    user, database and credential secret (db_user, db_name, db_secret)."""
    return [naming.bot_names(bot, project, environment) for bot in bot_defaults(bots) if bot.get("database")]


def secret_names(secrets):
    """The Secrets Manager names in a list of bot ``secrets`` items (names or {name: ...}), each once."""
    if not isinstance(secrets, list):
        raise AnsibleFilterError("expected a list of secrets items (names or {name: ...}), got %r" % (secrets,))
    return bot_model.secret_names(secrets)


class FilterModule(object):
    def filters(self):
        return {"bot_defaults": bot_defaults, "data_services": data_services, "database_bots": database_bots,
                "secret_names": secret_names}
