# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every name the collection derives from the deployment and from a bot, defined once.

The roles, playbooks, inventories and the sandbox read these through the filters of
plugins/filter/names.py (``tradeops.aws.deployment_names``, ``tradeops.aws.bot_names``);
nothing else spells a unit name, a release root, a secret name or an SSM path.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Length limits AWS enforces on the names below (characters).
LIMITS = {
    "cache_id": ("ElastiCache replication group id", 40),
    "database_id": ("RDS DB cluster / instance identifier", 63),
    "database_final_snapshot_id": ("RDS final snapshot identifier", 63),
    "flow_log_role": ("IAM role name of the VPC flow logs", 64),
    "budget": ("AWS Budgets budget name", 100),
    "backup_role": ("IAM role name of AWS Backup", 64),
}
# The same for the names made from a bot's name as well (bot_names): label, limit.
BOT_LIMITS = {
    "iam_role": ("IAM role name", 64),
    # MySQL's user names are at most 32 characters (PostgreSQL's 63): one limit for both engines.
    "db_user": ("database user name", 32),
}

# The suffix teardown adds to the final DB snapshot: '-final-' and a UTC time stamp
# (YYYYmmddHHMMSS, 14 digits).
FINAL_SNAPSHOT_SUFFIX_LENGTH = len("-final-") + 14


def deployment_names(project, environment):
    """Names of one deployment (project + environment).

    Returns a dict; every AWS resource name and path a role writes comes from it.
    """
    base = "%s-%s" % (project, environment)
    path = "%s/%s" % (project, environment)
    return {
        "base": base,
        # Secrets Manager
        "secret_prefix": path,
        "secret_db_master": path + "/db-master",
        "secret_redis_auth": path + "/redis-auth",
        # The secrets the collection generates (and rotates itself), not a bot's
        "generated_secrets": [path + "/db-master", path + "/redis-auth"],
        "kms_alias": "alias/" + base,
        # On every host whose bot uses the database: the CA bundle that verifies its certificate
        # (readable by the bots: /etc/tradeops is root-only)
        "database_ca_file": "/etc/ssl/tradeops/database-ca.pem",
        # SSM Parameter Store: the endpoints the provisioning roles publish for the hosts
        "ssm_prefix": "/" + path,
        "ssm_database": "/" + path + "/database",
        "ssm_cache": "/" + path + "/cache",
        # CloudWatch
        "log_group_prefix": "/tradeops/" + path,
        # The VPC's flow log (a bot's group is <prefix>/<bot>: a bot name has no '/')
        "flow_log_group": "/tradeops/%s/network/flow-logs" % path,
        "flow_log_role": base + "-flow-logs",
        # AWS Budgets: the deployment's monthly cost budget (account_baseline role)
        "budget": base + "-monthly",
        # AWS Backup: the vault, plan and selection are named base; the role it works with
        "backup_role": base + "-backup",
        "metric_namespace": "TradeOps",
        "health_metric": "BotHealthy",
        # The CloudWatch agent's own metrics (memory, disk, swap)
        "agent_metric_namespace": "CWAgent",
        # Resource identifiers
        "cache_id": base,
        "database_id": base,
        "database_final_snapshot_id": base + "-final-YYYYmmddHHMMSS",
        # The single bot-host role of releases before one identity per bot (removed by provision)
        "iam_role": base + "-bot",
        # Every per-bot role and instance profile lives under this IAM path (found by it)
        "iam_path": "/tradeops/%s/" % path,
        # The local sandbox's containers and network
        "sandbox_prefix": _sandbox_prefix(project),
        "sandbox_network": _sandbox_prefix(project) + "sandbox",
        "sandbox_cloud_container": _sandbox_prefix(project) + "cloud",
    }


def account_names(region, account_id=None):
    """Names of the account-wide baseline (account_baseline role): one trail, its bucket and its
    KMS key per account, whichever deployment made them. The bucket name is global across AWS,
    so it carries the account id and the trail's home region (at most 48 characters); it is
    empty until the account id is known."""
    return {
        "trail": "tradeops-account-trail",
        "trail_bucket": "tradeops-cloudtrail-%s-%s" % (account_id, region) if account_id else "",
        "trail_kms_alias": "alias/tradeops-cloudtrail",
    }


def name_limits(project, environment, bots=None):
    """{label: [value, limit]} for every derived name AWS limits in length: the deployment's,
    and with ``bots`` (tradeops_bots) each bot's, labelled "<what> of bot <name>"."""
    names = deployment_names(project, environment)
    limits = dict((label, [names[key], limit]) for key, (label, limit) in LIMITS.items())
    for bot in bots or []:
        if isinstance(bot, dict) and isinstance(bot.get("name"), str) and bot["name"]:
            own = bot_names(bot, project, environment)
            for key, (label, limit) in BOT_LIMITS.items():
                limits["%s of bot %s" % (label, bot["name"])] = [own[key], limit]
    return limits


def inventory_group(bot_name):
    """The dynamic inventory's group of a bot's hosts (keyed group bot_<Bot tag>, sanitized)."""
    return "bot_%s" % bot_name.replace("-", "_")


def sandbox_host_container(project, instance_id):
    """Name of the sandbox's container that plays EC2 instance ``instance_id``."""
    return _sandbox_prefix(project) + instance_id


def _sandbox_prefix(project):
    return "tradeops-%s-" % project


def bot_names(bot, project, environment):
    """Names of one bot (a tradeops_bots item: at least name and kind).

    The units, paths and AWS names of the bot on its host and in CloudWatch.
    """
    name = bot["name"]
    kind = bot.get("kind") or "python"
    env = bot.get("environment") or {}
    scheduled = bool(bot.get("schedule"))
    deployment = deployment_names(project, environment)
    if kind == "bbgo":
        service = "bbgo-%s.service" % name
        names = {
            "role": "bbgo",
            "service": service,
            "unit": service,
            "timer": "",
            "sync_service": "bbgo-%s-sync.service" % name,
            "sync_timer": "bbgo-%s-sync.timer" % name,
            "stunnel_service": "stunnel-%s.service" % name,
            "dashboard_service": "",
            "release_root": "/opt/bbgo",
            "config_file": "/etc/bbgo/%s.yaml" % name,
            "health_url": "http://127.0.0.1:%s/api/ping" % (bot.get("webserver_port") or 8080),
        }
    else:
        service = "%s.service" % name
        dashboard = bot.get("dashboard") or {}
        names = {
            "role": "python_bot",
            "service": service,
            "unit": "%s.timer" % name if scheduled else service,
            "timer": "%s.timer" % name if scheduled else "",
            "dashboard_service": "%s-dashboard.service" % name if dashboard else "",
            "release_root": "/opt/%s" % name,
            "health_url": "" if scheduled else "http://%s/healthz" % env.get("HEALTH_BIND", "127.0.0.1:8000"),
        }
    names.update({
        "name": name,
        "kind": kind,
        "user": name,
        "group": name,
        "env_file": "/etc/tradeops/%s.env" % name,
        "state_dir": "/var/lib/%s" % name,
        "log_dir": "/var/log/tradeops",
        "log_file": "/var/log/tradeops/%s.log" % name,
        "journal_service": "tradeops-journal-%s.service" % name,
        "health_metric_service": "tradeops-health-%s.service" % name,
        "health_metric_timer": "tradeops-health-%s.timer" % name,
        "logrotate_file": "/etc/logrotate.d/tradeops-%s" % name,
        # What a failed run puts back (bot_common undo.yml): root only, holds a copy of the env file
        "undo_file": "/var/lib/tradeops/undo/%s.tar" % name,
        "log_group": "%s/%s" % (deployment["log_group_prefix"], name),
        # The bot's own identity: IAM role, its instance profile and inline policy (one name)
        "iam_role": "%s-%s" % (deployment["base"], name),
        "metric_dimensions": {"Project": project, "Environment": environment, "Bot": name},
        # The bot's own database user and database (or MySQL schema) on the deployment's
        # database server, and the generated secret holding the user's credential. SQL
        # identifiers: '-' becomes '_'; the prefix keeps them apart from the engines' own users.
        "db_user": "bot_" + name.replace("-", "_"),
        "db_name": "bot_" + name.replace("-", "_"),
        "db_secret": "%s/%s/db" % (deployment["secret_prefix"], name),
        # The CA bundle that verifies the database's certificate on the bot's host
        "database_ca_file": deployment["database_ca_file"],
        "inventory_group": inventory_group(name),
    })
    return names
