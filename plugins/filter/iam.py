# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters giving a bot's own IAM documents and its secrets' resource policies (plugins/module_utils/iam_policy.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.tradeops.aws.plugins.module_utils import iam_policy


def _bot(bot):
    if not isinstance(bot, dict) or not bot.get("name"):
        raise AnsibleFilterError("expected a bot (a tradeops_bots item with a name), got %r" % (bot,))
    return bot


def bot_secret_names(bot, project, environment):
    """The Secrets Manager names a bot reads (its secrets, and the shared credentials it uses)."""
    return iam_policy.bot_secret_names(_bot(bot), project, environment)


def bot_host_policy(bot, project, environment, region, account_id, secret_arns, kms_key_arns, partition="aws"):
    """The inline policy of a bot host's role: its own secrets, log group and metrics only."""
    try:
        return iam_policy.bot_host_policy(_bot(bot), project, environment, region, str(account_id),
                                          secret_arns, kms_key_arns, partition)
    except iam_policy.PolicyError as e:
        raise AnsibleFilterError(str(e))


def secret_resource_policy(secret_name, bots, project, environment, account_id, admin_arns, partition="aws"):
    """The resource policy of a secret: only the bots that read it and the administrators."""
    try:
        return iam_policy.secret_resource_policy(secret_name, bots, project, environment, str(account_id),
                                                 admin_arns, partition)
    except iam_policy.PolicyError as e:
        raise AnsibleFilterError(str(e))


def principal_arn(caller_arn, role_arn=None):
    """The aws:PrincipalArn of a caller (aws_caller_info's arn; role_arn for a role session)."""
    try:
        return iam_policy.principal_arn(caller_arn, role_arn)
    except iam_policy.PolicyError as e:
        raise AnsibleFilterError(str(e))


class FilterModule(object):
    def filters(self):
        return {
            "bot_secret_names": bot_secret_names,
            "bot_host_policy": bot_host_policy,
            "secret_resource_policy": secret_resource_policy,
            "principal_arn": principal_arn,
        }
