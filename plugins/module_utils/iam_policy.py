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
- A secret's resource policy (secret_resource_policy) names principals by the aws:PrincipalArn
  condition key only, never in a Principal element: IAM resolves a Principal to the principal's
  unique id when the policy is stored and refuses one that does not exist yet, a condition value
  is a plain string (IAM User Guide, "AWS global condition context keys", aws:PrincipalArn; for
  a role session its value is the role's ARN, path included). The policy can therefore be put
  when the secret is created, before the bots' roles exist. The shape is the one Prowler's check
  secretsmanager_has_restrictive_resource_policy accepts: a Deny of secretsmanager:* to Principal
  "*" with one StringNotEquals aws:PrincipalArn condition listing role or user ARNs.
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


def bot_role_arn(bot, project, environment, account_id, partition="aws"):
    """The ARN of a bot's own IAM role (its name and path from naming.py), as aws:PrincipalArn
    carries it for the role's sessions."""
    deployment = naming.deployment_names(project, environment)
    return "arn:%s:iam::%s:role%s%s" % (partition, account_id, deployment["iam_path"],
                                        naming.bot_names(bot, project, environment)["iam_role"])


def secret_resource_policy(secret_name, bots, project, environment, account_id, admin_arns, partition="aws"):
    """The resource policy of one of the deployment's secrets.

    bots: tradeops_bots; the roles of the bots that read the secret (bot_secret_names) may read
    it. admin_arns: the role or user ARNs that manage the deployment (the one running the
    collection). Statements:
    DenyAllButReadersAndAdministrators: every other principal is refused every Secrets Manager
    action on the secret, the account's root user and administrators included;
    ReadersOnlyRead: the bots' roles are refused everything but SECRET_ACTIONS on it, whatever
    policy their roles are given later.
    """
    if not (isinstance(account_id, str) and account_id.isdigit() and len(account_id) == 12):
        raise PolicyError("the AWS account id must be 12 digits, got %r" % (account_id,))
    admins = sorted(set(admin_arns or []))
    if not admins:
        raise PolicyError("secret %s: no administrator ARN given; the policy would lock everyone but the "
                          "bots out of it" % secret_name)
    readers = sorted(set(bot_role_arn(bot, project, environment, account_id, partition)
                         for bot in bots or [] if secret_name in bot_secret_names(bot, project, environment)))
    statements = [{
        "Sid": "DenyAllButReadersAndAdministrators",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "secretsmanager:*",
        "Resource": "*",
        "Condition": {"StringNotEquals": {"aws:PrincipalArn": sorted(set(readers + admins))}},
    }]
    readers_only = [arn for arn in readers if arn not in admins]
    if readers_only:
        statements.append({
            "Sid": "ReadersOnlyRead",
            "Effect": "Deny",
            "Principal": "*",
            "NotAction": SECRET_ACTIONS,
            "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalArn": readers_only}},
        })
    return {"Version": "2012-10-17", "Statement": statements}


def principal_arn(caller_arn, role_arn=None):
    """The aws:PrincipalArn of the caller GetCallerIdentity describes (caller_arn).

    An assumed-role session (arn:...:sts::<account>:assumed-role/<role>/<session>) is its role:
    role_arn, the role's ARN with its path (iam:GetRole), is required then. A user is its user ARN
    (some AWS stand-ins answer it under sts; IAM's ARN is under iam). Anything else is returned
    unchanged (the root user, a federated user)."""
    parts = (caller_arn or "").split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        raise PolicyError("not an ARN: %r" % (caller_arn,))
    if parts[2] == "sts" and parts[5].startswith("assumed-role/"):
        role = parts[5].split("/")[1]
        if not role_arn or not role_arn.endswith("/" + role):
            raise PolicyError("%s is a session of role %s: its role ARN (with path) is needed, got %r"
                              % (caller_arn, role, role_arn))
        return role_arn
    if parts[2] == "sts" and parts[5].startswith("user/"):
        return "arn:%s:iam::%s:%s" % (parts[1], parts[4], parts[5])
    return caller_arn


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
