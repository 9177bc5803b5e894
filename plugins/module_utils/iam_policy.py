# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The IAM policies of a bot's own identity: what its host may read and write, and nothing else.

One function per document, used by the iam role through plugins/filter/iam.py. Where the AWS
behaviour comes from:
- Secrets Manager authorizes GetSecretValue per secret ARN; a secret encrypted with a customer
  managed key also needs kms:Decrypt on that key, which Secrets Manager calls on the caller's
  behalf: the kms:ViaService condition (secretsmanager.<region>.amazonaws.com) limits the key's
  use to that path (AWS KMS Developer Guide, "kms:ViaService").
- CloudWatch Logs authorizes per log group ARN (arn:...:log-group:<name>, and
  arn:...:log-group:<name>:* for its streams).
- cloudwatch:PutMetricData has no resource-level permission: the resource is "*", limited by
  the cloudwatch:namespace condition key (CloudWatch User Guide, "Using condition keys to limit
  access to CloudWatch namespaces").
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.tradeops.aws.plugins.module_utils import bot_model, naming

SECRET_ACTIONS = ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
LOG_ACTIONS = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:DescribeLogStreams",
               "logs:PutLogEvents", "logs:PutRetentionPolicy"]


class PolicyError(ValueError):
    """A policy cannot be made from what was given (for example a secret without its ARN)."""


def bot_secret_names(bot, project, environment):
    """The Secrets Manager names a bot reads: its own ``secrets``, plus its own database user's
    credential when it uses the database and the Redis AUTH token when it uses the cache. The DB
    master credential is never among them: only the controller reads it (administration)."""
    bot = bot_model.apply_defaults(bot)
    deployment = naming.deployment_names(project, environment)
    names = bot_model.secret_names(bot.get("secrets"))
    if bot.get("database"):
        names.append(naming.bot_names(bot, project, environment)["db_secret"])
    if bot.get("cache"):
        names.append(deployment["secret_redis_auth"])
    return sorted(set(names))


def bot_host_policy(bot, project, environment, region, account_id, secret_arns, kms_key_arns, partition="aws"):
    """The inline policy of one bot's host role.

    secret_arns: {secret name: ARN} of the deployment's secrets (the secrets role's output); every
    secret the bot reads must be in it (PolicyError otherwise: a policy naming a secret that does
    not exist would fail at runtime instead). kms_key_arns: the keys those secrets are encrypted
    with. Statements:
    ReadOwnSecrets (exact ARNs), DecryptOwnSecretsViaSecretsManager, WriteOwnLogs (the bot's log
    group), PutOwnMetrics (the deployment's namespace and the agent's).
    """
    if not (isinstance(account_id, str) and account_id.isdigit() and len(account_id) == 12):
        raise PolicyError("the AWS account id must be 12 digits, got %r" % (account_id,))
    if not region:
        raise PolicyError("the region is empty (set tradeops_region)")
    names = naming.bot_names(bot, project, environment)
    deployment = naming.deployment_names(project, environment)
    statements = []
    wanted = bot_secret_names(bot, project, environment)
    missing = [name for name in wanted if not (secret_arns or {}).get(name)]
    if missing:
        raise PolicyError("bot %s reads %s, which the secrets role did not create (known: %s): run the "
                          "secrets role first, or list the secret under the bot's secrets"
                          % (bot["name"], ", ".join(missing), ", ".join(sorted(secret_arns or {})) or "none"))
    if wanted:
        statements.append({
            "Sid": "ReadOwnSecrets",
            "Effect": "Allow",
            "Action": SECRET_ACTIONS,
            "Resource": sorted(secret_arns[name] for name in wanted),
        })
        if kms_key_arns:
            statements.append({
                "Sid": "DecryptOwnSecretsViaSecretsManager",
                "Effect": "Allow",
                "Action": ["kms:Decrypt"],
                "Resource": sorted(kms_key_arns),
                "Condition": {"StringEquals": {"kms:ViaService": "secretsmanager.%s.amazonaws.com" % region}},
            })
    log_group = "arn:%s:logs:%s:%s:log-group:%s" % (partition, region, account_id, names["log_group"])
    statements.append({
        "Sid": "WriteOwnLogs",
        "Effect": "Allow",
        "Action": LOG_ACTIONS,
        "Resource": [log_group, log_group + ":*"],
    })
    statements.append({
        "Sid": "PutOwnMetrics",
        "Effect": "Allow",
        "Action": ["cloudwatch:PutMetricData"],
        "Resource": "*",
        "Condition": {"StringEquals": {"cloudwatch:namespace": sorted(
            [deployment["metric_namespace"], deployment["agent_metric_namespace"]])}},
    })
    return {"Version": "2012-10-17", "Statement": statements}
