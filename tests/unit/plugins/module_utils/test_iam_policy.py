# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A bot's own IAM policy (plugins/module_utils/iam_policy.py) and its filters."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.tradeops.aws.plugins.filter import bots as bots_filter
from ansible_collections.tradeops.aws.plugins.filter import iam as iam_filter
from ansible_collections.tradeops.aws.plugins.module_utils import iam_policy

ACCOUNT = "123456789012"
KEY = "arn:aws:kms:us-east-1:123456789012:key/k1"
ARNS = {name: "arn:aws:secretsmanager:us-east-1:123456789012:secret:%s-AbCdEf" % name
        for name in ("tb/prod/db-master", "tb/prod/redis-auth", "tb/prod/binance", "tb/prod/kis",
                     "tb/prod/paper/db", "tb/prod/xmaker/db")}
PAPER = {"name": "paper", "kind": "python", "secrets": ["tb/prod/kis"]}
XMAKER = {"name": "xmaker", "kind": "bbgo", "secrets": [{"name": "tb/prod/binance", "keys": {"API_KEY": None}}]}


def statements(policy):
    return {s["Sid"]: s for s in policy["Statement"]}


def test_secret_names_follow_what_the_bot_uses():
    # a Python bot: database and cache off by default; BBGO: both on
    assert iam_policy.bot_secret_names(PAPER, "tb", "prod") == ["tb/prod/kis"]
    # each bot's own database credential, never the master's
    assert iam_policy.bot_secret_names(XMAKER, "tb", "prod") == [
        "tb/prod/binance", "tb/prod/redis-auth", "tb/prod/xmaker/db"]
    assert iam_policy.bot_secret_names(dict(PAPER, database=True), "tb", "prod") == ["tb/prod/kis",
                                                                                     "tb/prod/paper/db"]


def test_policy_names_the_bots_own_resources_only():
    policy = iam_policy.bot_host_policy(PAPER, "tb", "prod", "us-east-1", ACCOUNT, ARNS, [KEY])
    found = statements(policy)
    assert sorted(found) == ["DecryptOwnSecretsViaSecretsManager", "PutOwnMetrics", "ReadOwnSecrets", "WriteOwnLogs"]
    assert found["ReadOwnSecrets"]["Resource"] == [ARNS["tb/prod/kis"]]
    assert found["DecryptOwnSecretsViaSecretsManager"]["Condition"] == {
        "StringEquals": {"kms:ViaService": "secretsmanager.us-east-1.amazonaws.com"}}
    assert found["WriteOwnLogs"]["Resource"] == [
        "arn:aws:logs:us-east-1:123456789012:log-group:/tradeops/tb/prod/paper",
        "arn:aws:logs:us-east-1:123456789012:log-group:/tradeops/tb/prod/paper:*"]
    assert found["PutOwnMetrics"]["Resource"] == "*"
    assert found["PutOwnMetrics"]["Condition"] == {"StringEquals": {"cloudwatch:namespace": ["CWAgent", "TradeOps"]}}
    # the only "*" is PutMetricData's, which has no resource-level permission
    assert [s["Sid"] for s in policy["Statement"] if "*" in str(s["Resource"]).replace(":*", "")] == ["PutOwnMetrics"]


def test_bbgo_policy_reads_the_shared_credentials_it_uses():
    found = statements(iam_policy.bot_host_policy(XMAKER, "tb", "prod", "eu-west-1", ACCOUNT, ARNS, [KEY], "aws-cn"))
    assert found["ReadOwnSecrets"]["Resource"] == sorted(
        ARNS[n] for n in ("tb/prod/binance", "tb/prod/redis-auth", "tb/prod/xmaker/db"))
    assert found["WriteOwnLogs"]["Resource"][0].startswith("arn:aws-cn:logs:eu-west-1:")


def test_policy_without_secrets_or_key():
    found = statements(iam_policy.bot_host_policy({"name": "bare", "kind": "python"}, "tb", "prod", "us-east-1",
                                                  ACCOUNT, {}, []))
    assert sorted(found) == ["PutOwnMetrics", "WriteOwnLogs"]
    found = statements(iam_policy.bot_host_policy(PAPER, "tb", "prod", "us-east-1", ACCOUNT, ARNS, []))
    assert "DecryptOwnSecretsViaSecretsManager" not in found


@pytest.mark.parametrize("kwargs, message", [
    ({"secret_arns": {}}, "bot paper reads tb/prod/kis, which the secrets role did not create (known: none)"),
    ({"account_id": "12345"}, "the AWS account id must be 12 digits, got '12345'"),
    ({"region": ""}, "the region is empty"),
])
def test_policy_refuses_what_it_cannot_name(kwargs, message):
    args = dict(bot=PAPER, project="tb", environment="prod", region="us-east-1", account_id=ACCOUNT,
                secret_arns=ARNS, kms_key_arns=[KEY])
    args.update(kwargs)
    with pytest.raises(iam_policy.PolicyError, match=message.replace("(", r"\(").replace(")", r"\)")):
        iam_policy.bot_host_policy(**args)


def test_filters():
    filters = iam_filter.FilterModule().filters()
    assert filters["bot_secret_names"](PAPER, "tb", "prod") == ["tb/prod/kis"]
    policy = filters["bot_host_policy"](PAPER, "tb", "prod", "us-east-1", 123456789012, ARNS, [KEY])
    assert statements(policy)["ReadOwnSecrets"]["Resource"] == [ARNS["tb/prod/kis"]]
    with pytest.raises(AnsibleFilterError, match="did not create"):
        filters["bot_host_policy"](PAPER, "tb", "prod", "us-east-1", ACCOUNT, {}, [KEY])
    with pytest.raises(AnsibleFilterError, match="expected a bot"):
        filters["bot_secret_names"]({}, "tb", "prod")
    names = bots_filter.FilterModule().filters()["secret_names"]
    assert names(["a", {"name": "b"}, "a"]) == ["a", "b"]
    with pytest.raises(AnsibleFilterError, match="expected a list"):
        names("a")


# --- the secrets' resource policies -------------------------------------------------------------

ADMIN = "arn:aws:iam::123456789012:role/admin/Operator"
ROLE_ARN = "arn:aws:iam::123456789012:role/tradeops/tb/prod/tb-prod-%s"


def test_secret_policy_admits_its_readers_and_the_administrators_only():
    # no bot reads db-master (each has its own database user): the administrator alone
    master = iam_policy.secret_resource_policy("tb/prod/db-master", [PAPER, XMAKER], "tb", "prod", ACCOUNT, [ADMIN])
    assert [s["Sid"] for s in master["Statement"]] == ["DenyAllButReadersAndAdministrators"]
    assert master["Statement"][0]["Condition"]["StringNotEquals"]["aws:PrincipalArn"] == [ADMIN]
    policy = iam_policy.secret_resource_policy("tb/prod/xmaker/db", [PAPER, XMAKER], "tb", "prod", ACCOUNT, [ADMIN])
    found = statements(policy)
    deny = found["DenyAllButReadersAndAdministrators"]
    assert (deny["Effect"], deny["Principal"], deny["Action"], deny["Resource"]) == (
        "Deny", "*", "secretsmanager:*", "*")
    # xmaker's own credential: xmaker and the administrator only
    assert deny["Condition"] == {"StringNotEquals": {"aws:PrincipalArn": sorted([ADMIN, ROLE_ARN % "xmaker"])}}
    only = found["ReadersOnlyRead"]
    assert only["NotAction"] == ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"]
    assert only["Condition"] == {"StringEquals": {"aws:PrincipalArn": [ROLE_ARN % "xmaker"]}}
    # principals are named in conditions only: IAM would refuse a Principal that does not exist yet
    assert {s["Principal"] for s in policy["Statement"]} == {"*"}


def test_secret_policy_without_reader_has_the_administrators_only():
    policy = iam_policy.secret_resource_policy("tb/prod/other", [PAPER], "tb", "prod", ACCOUNT, [ADMIN, ADMIN])
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyAllButReadersAndAdministrators"]
    assert policy["Statement"][0]["Condition"]["StringNotEquals"]["aws:PrincipalArn"] == [ADMIN]


def test_secret_policy_an_administrator_that_is_a_bot_role_is_not_limited():
    bot_admin = ROLE_ARN % "paper"
    policy = iam_policy.secret_resource_policy("tb/prod/kis", [PAPER], "tb", "prod", ACCOUNT, [bot_admin])
    assert [s["Sid"] for s in policy["Statement"]] == ["DenyAllButReadersAndAdministrators"]


@pytest.mark.parametrize("account, admins, message", [
    ("12345", [ADMIN], "12 digits"),
    (ACCOUNT, [], "no administrator"),
])
def test_secret_policy_refuses(account, admins, message):
    with pytest.raises(iam_policy.PolicyError, match=message):
        iam_policy.secret_resource_policy("tb/prod/kis", [PAPER], "tb", "prod", account, admins)
    with pytest.raises(AnsibleFilterError, match=message):
        iam_filter.secret_resource_policy("tb/prod/kis", [PAPER], "tb", "prod", account, admins)


def test_secret_policy_filter():
    assert iam_filter.secret_resource_policy("tb/prod/kis", [PAPER], "tb", "prod", 123456789012, [ADMIN]) == \
        iam_policy.secret_resource_policy("tb/prod/kis", [PAPER], "tb", "prod", ACCOUNT, [ADMIN])


@pytest.mark.parametrize("caller, role, expected", [
    ("arn:aws:sts::123456789012:assumed-role/Operator/me@example.org", ADMIN, ADMIN),
    ("arn:aws:iam::123456789012:user/ops/alice", None, "arn:aws:iam::123456789012:user/ops/alice"),
    ("arn:aws:sts::123456789012:user/moto", None, "arn:aws:iam::123456789012:user/moto"),
    ("arn:aws:iam::123456789012:root", None, "arn:aws:iam::123456789012:root"),
])
def test_principal_arn(caller, role, expected):
    assert iam_policy.principal_arn(caller, role) == expected
    assert iam_filter.principal_arn(caller, role) == expected


@pytest.mark.parametrize("caller, role", [
    ("not-an-arn", None),
    ("arn:aws:sts::123456789012:assumed-role/Operator/me", None),
    ("arn:aws:sts::123456789012:assumed-role/Operator/me", "arn:aws:iam::123456789012:role/Other"),
])
def test_principal_arn_refuses(caller, role):
    with pytest.raises(iam_policy.PolicyError):
        iam_policy.principal_arn(caller, role)
    with pytest.raises(AnsibleFilterError):
        iam_filter.principal_arn(caller, role)
