# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The derived names (plugins/module_utils/naming.py) and their filters."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.tradeops.aws.plugins.filter import names as names_filter
from ansible_collections.tradeops.aws.plugins.module_utils import naming


def test_deployment_names():
    names = naming.deployment_names("tradebot", "prod")
    assert names["secret_db_master"] == "tradebot/prod/db-master"
    assert names["secret_redis_auth"] == "tradebot/prod/redis-auth"
    assert names["generated_secrets"] == [names["secret_db_master"], names["secret_redis_auth"]]
    assert names["ssm_database"] == "/tradebot/prod/database"
    assert names["ssm_cache"] == "/tradebot/prod/cache"
    assert names["log_group_prefix"] == "/tradeops/tradebot/prod"
    assert names["kms_alias"] == "alias/tradebot-prod"
    assert names["cache_id"] == names["database_id"] == "tradebot-prod"
    assert names["iam_role"] == "tradebot-prod-bot"  # the shared role of earlier releases (retired)
    assert names["iam_path"] == "/tradeops/tradebot/prod/"
    assert names["agent_metric_namespace"] == "CWAgent"
    assert names["flow_log_group"] == "/tradeops/tradebot/prod/network/flow-logs"
    assert names["flow_log_role"] == "tradebot-prod-flow-logs"
    assert names["budget"] == "tradebot-prod-monthly"
    assert names["sandbox_cloud_container"] == "tradeops-tradebot-cloud"
    assert names["sandbox_network"] == "tradeops-tradebot-sandbox"


def test_name_limits_hold_the_longest_form_of_each_name():
    limits = naming.name_limits("p" * 10, "env")
    assert limits["ElastiCache replication group id"] == ["pppppppppp-env", 40]
    snapshot, limit = limits["RDS final snapshot identifier"]
    assert len(snapshot) == len("pppppppppp-env") + naming.FINAL_SNAPSHOT_SUFFIX_LENGTH and limit == 63
    assert "IAM role name" not in limits  # the roles are the bots' own: name_limits(..., bots)
    assert limits["IAM role name of the VPC flow logs"] == ["pppppppppp-env-flow-logs", 64]
    assert limits["AWS Budgets budget name"] == ["pppppppppp-env-monthly", 100]
    assert limits["IAM role name of AWS Backup"] == ["pppppppppp-env-backup", 64]
    with_bots = naming.name_limits("p" * 10, "env", [{"name": "paper", "kind": "python"}, "not a bot", {}])
    assert with_bots["IAM role name of bot paper"] == ["pppppppppp-env-paper", 64]
    assert with_bots["database user name of bot paper"] == ["bot_paper", 32]
    assert len(with_bots) == len(limits) + 2


def test_python_bot_names():
    names = naming.bot_names({"name": "paper", "kind": "python", "environment": {"HEALTH_BIND": "127.0.0.1:8010"}},
                             "tb", "prod")
    assert names["role"] == "python_bot"
    assert names["service"] == names["unit"] == "paper.service"
    assert names["timer"] == "" and names["dashboard_service"] == ""
    assert names["release_root"] == "/opt/paper"
    assert names["env_file"] == "/etc/tradeops/paper.env"
    assert names["state_dir"] == "/var/lib/paper"
    assert names["log_file"] == "/var/log/tradeops/paper.log"
    assert names["log_group"] == "/tradeops/tb/prod/paper"
    assert names["journal_service"] == "tradeops-journal-paper.service"
    assert names["health_url"] == "http://127.0.0.1:8010/healthz"
    assert names["metric_dimensions"] == {"Project": "tb", "Environment": "prod", "Bot": "paper"}
    assert names["inventory_group"] == "bot_paper"
    assert names["iam_role"] == "tb-prod-paper"
    assert names["db_user"] == names["db_name"] == "bot_paper"
    assert names["db_secret"] == "tb/prod/paper/db"


def test_scheduled_python_bot_with_dashboard():
    names = naming.bot_names({"name": "kis-breakout", "kind": "python", "schedule": "Mon..Fri 09:00 Asia/Seoul",
                              "dashboard": {"command": "flask_app", "port": 5001}}, "tb", "prod")
    assert names["unit"] == names["timer"] == "kis-breakout.timer"
    assert names["service"] == "kis-breakout.service"
    assert names["dashboard_service"] == "kis-breakout-dashboard.service"
    assert names["health_url"] == ""
    assert names["inventory_group"] == "bot_kis_breakout"
    assert names["db_user"] == "bot_kis_breakout"  # an SQL identifier: no '-'


def test_bbgo_names():
    names = naming.bot_names({"name": "xmaker", "kind": "bbgo", "webserver_port": 8081}, "tb", "prod")
    assert names["role"] == "bbgo"
    assert names["service"] == names["unit"] == "bbgo-xmaker.service"
    assert names["sync_timer"] == "bbgo-xmaker-sync.timer"
    assert names["stunnel_service"] == "stunnel-xmaker.service"
    assert names["release_root"] == "/opt/bbgo"
    assert names["config_file"] == "/etc/bbgo/xmaker.yaml"
    assert names["health_url"] == "http://127.0.0.1:8081/api/ping"
    assert naming.bot_names({"name": "x", "kind": "bbgo"}, "tb", "prod")["health_url"].endswith(":8080/api/ping")


def test_filters():
    filters = names_filter.FilterModule().filters()
    assert filters["deployment_names"]("tb", "prod")["base"] == "tb-prod"
    assert filters["name_limits"]("tb", "prod", [{"name": "x"}])["IAM role name of bot x"] == ["tb-prod-x", 64]
    assert filters["bot_names"]({"name": "paper", "kind": "python"}, "tb", "prod")["user"] == "paper"
    assert filters["bot_inventory_group"]("a-b") == "bot_a_b"
    assert filters["sandbox_host_container"]("i-0123", "tb") == "tradeops-tb-i-0123"
    assert filters["account_names"]("us-east-1")["trail_bucket"] == ""
    account = filters["account_names"]("ap-southeast-2", 123456789012)
    assert account == {"trail": "tradeops-account-trail", "trail_bucket": "tradeops-cloudtrail-123456789012-ap-southeast-2",
                       "trail_kms_alias": "alias/tradeops-cloudtrail"}
    assert len(account["trail_bucket"]) <= 63
    with pytest.raises(AnsibleFilterError, match="needs a bot"):
        filters["bot_names"]({}, "tb", "prod")


def test_bot_defaults_and_data_services():
    from ansible_collections.tradeops.aws.plugins.filter import bots as bots_filter
    filters = bots_filter.FilterModule().filters()
    paper = {"name": "paper", "kind": "python", "version": "1", "package": "p", "command": "c"}
    xmaker = {"name": "xmaker", "kind": "bbgo", "version": "v1", "artifact": "/x.tgz"}
    assert filters["bot_defaults"]([paper])[0]["database"] is False
    assert filters["bot_defaults"]([xmaker])[0]["database"] is True
    assert filters["data_services"]([paper]) == {"database": False, "cache": False, "database_family": "postgresql"}
    assert filters["data_services"]([dict(paper, database=True), dict(xmaker, cache=False)]) == {
        "database": True, "cache": False, "database_family": "mysql"}
    assert filters["data_services"]([dict(paper, database=True), dict(xmaker, database=False)])[
        "database_family"] == "postgresql"
    # the bots with a database user of their own: xmaker (BBGO's default) and paper when asked
    assert [b["db_secret"] for b in filters["database_bots"]([paper, xmaker], "tb", "prod")] == ["tb/prod/xmaker/db"]
    assert [b["db_user"] for b in filters["database_bots"]([dict(paper, database=True)], "tb", "prod")] == [
        "bot_paper"]
    with pytest.raises(AnsibleFilterError, match="list of bots"):
        filters["data_services"]("paper")
