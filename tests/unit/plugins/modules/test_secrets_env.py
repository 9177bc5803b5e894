# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tradeops.aws.secrets_env against moto in-process (Secrets Manager) and botocore Stubber."""

import json
import os
import stat

import boto3
import botocore.exceptions
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.retries import RetryingBotoClientWrapper
from ansible_collections.tradeops.aws.plugins.module_utils import envfile
from ansible_collections.tradeops.aws.plugins.modules import secrets_env

TRICKY = {
    "newlines": "line one\nline two\r\nline three\n",
    "quotes": "it's \"quoted\" ''",
    "dollar": "$HOME ${PATH} $$ $(id)",
    "backticks": "`rm -rf /`",
    "backslashes": "C:\\path\\ \\n \\\\ trailing\\",
    "leading": "   leading and trailing   ",
    "hash": "#not a comment; ;semi",
}

DB = {"username": "bbgo_admin", "password": "p@ss'w\"rd$`\\ #1"}


@pytest.fixture
def sm(aws_env):
    with mock_aws():
        client = boto3.client("secretsmanager", region_name="us-east-1")
        client.create_secret(Name="tradebot/prod/db-master", SecretString=json.dumps(DB))
        client.create_secret(Name="tradebot/prod/tricky", SecretString=json.dumps(TRICKY))
        client.create_secret(Name="tradebot/prod/webhook", SecretString="https://hooks.example/abcdef-123")
        yield client


@pytest.fixture
def env_path(tmp_path):
    return str(tmp_path / "bot.env")


def base_args(path, **extra):
    args = dict(
        path=path,
        region="us-east-1",
        owner=str(os.getuid()),
        group=str(os.getgid()),
        secrets=[
            dict(name="tradebot/prod/db-master", keys=dict(username="DB_USER", password="DB_PASSWORD")),
            dict(name="tradebot/prod/tricky", prefix="T_"),
            dict(name="tradebot/prod/webhook", variable="WEBHOOK_URL"),
        ],
        compose=dict(DB_DSN="${DB_USER}:${DB_PASSWORD}@tcp(db.example:3306)/bbgo?x=$$1"),
    )
    args.update(extra)
    return args


def expected_vars():
    out = {"DB_USER": DB["username"], "DB_PASSWORD": DB["password"], "WEBHOOK_URL": "https://hooks.example/abcdef-123"}
    out.update(("T_" + k, v) for k, v in TRICKY.items())
    out["DB_DSN"] = "%s:%s@tcp(db.example:3306)/bbgo?x=$1" % (DB["username"], DB["password"])
    return out


def assert_no_values(result, values):
    text = json.dumps(result)
    for value in values:
        if len(value) >= 4:
            assert value not in text and json.dumps(value)[1:-1] not in text


def listing(directory):
    return sorted(os.listdir(directory))


def test_create_writes_every_value_exactly(run_module, sm, env_path):
    result, failed = run_module(secrets_env.main, base_args(env_path), diff=True)
    assert not failed, result
    assert result["changed"] is True
    with open(env_path, encoding="utf-8", newline="") as f:
        written = envfile.parse(f.read())
    assert written == expected_vars()
    st = os.stat(env_path)
    assert stat.S_IMODE(st.st_mode) == 0o600
    assert result["keys"] == sorted(expected_vars())
    assert result["keys_added"] == sorted(expected_vars())
    assert result["keys_removed"] == [] and result["keys_changed"] == []
    assert result["diff"]["before"] == ""
    assert "DB_PASSWORD=<hidden>" in result["diff"]["after"]
    assert_no_values(result, expected_vars().values())
    assert listing(os.path.dirname(env_path)) == ["bot.env"]


def test_second_run_is_a_noop_and_does_not_rewrite(run_module, sm, env_path):
    run_module(secrets_env.main, base_args(env_path))
    os.utime(env_path, ns=(1_000_000_000, 1_000_000_000))
    before = os.stat(env_path)
    result, failed = run_module(secrets_env.main, base_args(env_path), diff=True)
    assert not failed, result
    assert result["changed"] is False
    after = os.stat(env_path)
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert result["keys_added"] == result["keys_removed"] == result["keys_changed"] == []
    assert result["diff"]["before"] == result["diff"]["after"]


def test_update_reports_changed_keys_without_values(run_module, sm, env_path):
    run_module(secrets_env.main, base_args(env_path))
    sm.put_secret_value(SecretId="tradebot/prod/db-master", SecretString=json.dumps(dict(DB, password="n3w-Secret-Value")))
    args = base_args(env_path)
    args["secrets"] = args["secrets"][:2]
    result, failed = run_module(secrets_env.main, args, diff=True)
    assert not failed, result
    assert result["changed"] is True
    assert result["keys_changed"] == ["DB_DSN", "DB_PASSWORD"]
    assert result["keys_removed"] == ["WEBHOOK_URL"]
    assert "DB_PASSWORD=<hidden, changed>" in result["diff"]["after"]
    assert "WEBHOOK_URL=<hidden>" in result["diff"]["before"]
    assert "WEBHOOK_URL" not in result["diff"]["after"]
    with open(env_path, encoding="utf-8", newline="") as f:
        assert envfile.parse(f.read())["DB_PASSWORD"] == "n3w-Secret-Value"
    assert_no_values(result, ["n3w-Secret-Value", DB["password"]])


def test_check_mode_creates_nothing(run_module, sm, env_path):
    result, failed = run_module(secrets_env.main, base_args(env_path), check_mode=True, diff=True)
    assert not failed, result
    assert result["changed"] is True
    assert not os.path.exists(env_path)
    assert listing(os.path.dirname(env_path)) == []


def test_check_mode_leaves_existing_file_alone(run_module, sm, env_path):
    with open(env_path, "wb") as f:
        f.write(b"OLD='x'\n")
    os.chmod(env_path, 0o644)
    result, failed = run_module(secrets_env.main, base_args(env_path), check_mode=True)
    assert not failed and result["changed"] is True
    assert result["keys_removed"] == ["OLD"]
    with open(env_path, "rb") as f:
        assert f.read() == b"OLD='x'\n"
    assert stat.S_IMODE(os.stat(env_path).st_mode) == 0o644


def test_mode_drift_is_fixed_without_rewriting(run_module, sm, env_path):
    run_module(secrets_env.main, base_args(env_path))
    os.chmod(env_path, 0o644)
    inode = os.stat(env_path).st_ino
    result, failed = run_module(secrets_env.main, base_args(env_path, mode="0640"))
    assert not failed and result["changed"] is True
    st = os.stat(env_path)
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_ino == inode
    result, failed = run_module(secrets_env.main, base_args(env_path, mode=0o640), check_mode=True)
    assert not failed and result["changed"] is False


def test_mode_drift_in_check_mode(run_module, sm, env_path):
    run_module(secrets_env.main, base_args(env_path))
    os.chmod(env_path, 0o644)
    result, failed = run_module(secrets_env.main, base_args(env_path), check_mode=True)
    assert not failed and result["changed"] is True
    assert stat.S_IMODE(os.stat(env_path).st_mode) == 0o644


def test_owner_by_name(run_module, sm, env_path):
    import grp
    import pwd

    args = base_args(env_path, owner=pwd.getpwuid(os.getuid()).pw_name, group=grp.getgrgid(os.getgid()).gr_name)
    result, failed = run_module(secrets_env.main, args)
    assert not failed, result
    st = os.stat(env_path)
    assert (st.st_uid, st.st_gid) == (os.getuid(), os.getgid())


def test_json_value_types_binary_secret_arn_and_placeholder(run_module, sm, env_path):
    arn = sm.create_secret(
        Name="tradebot/prod/types",
        SecretString=json.dumps({"n": 42, "f": 1.5, "b": True, "z": None, "o": {"b": 1, "a": [1, "x"]}}),
    )["ARN"]
    sm.create_secret(Name="tradebot/prod/binary", SecretBinary="binärer Wert".encode("utf-8"))
    sm.create_secret(Name="tradebot/prod/binance", SecretString=json.dumps({"FILL_ME": "replace this"}))
    args = base_args(
        env_path,
        compose={},
        secrets=[
            dict(name=arn, prefix="X_"),
            dict(name="tradebot/prod/binary", variable="BIN"),
            dict(name="tradebot/prod/binance", keys={"FILL_ME": None}),
        ],
    )
    result, failed = run_module(secrets_env.main, args)
    assert not failed, result
    with open(env_path, encoding="utf-8", newline="") as f:
        written = envfile.parse(f.read())
    assert written == {
        "X_n": "42",
        "X_f": "1.5",
        "X_b": "true",
        "X_z": "",
        "X_o": '{"a":[1,"x"],"b":1}',
        "BIN": "binärer Wert",
        "FILL_ME": "replace this",
    }
    assert any("tradebot/prod/binance still holds the FILL_ME placeholder" in w for w in result["warnings"])


# ---------------------------------------------------------------- errors (file untouched)

OLD_CONTENT = b"# kept\nKEEP='old value'\n"


@pytest.fixture
def old_file(env_path):
    with open(env_path, "wb") as f:
        f.write(OLD_CONTENT)
    os.chmod(env_path, 0o600)
    os.utime(env_path, ns=(1_000_000_000, 1_000_000_000))
    return env_path


def assert_untouched(path):
    with open(path, "rb") as f:
        assert f.read() == OLD_CONTENT
    assert os.stat(path).st_mtime_ns == 1_000_000_000
    assert listing(os.path.dirname(path)) == [os.path.basename(path)]


def secret_args(path, secrets, compose=None):
    return base_args(path, secrets=secrets, compose=compose or {})


@pytest.mark.parametrize(
    "setup, secrets, compose, message",
    [
        (None, [dict(name="tradebot/prod/nope")], None, "secret tradebot/prod/nope was not found (region us-east-1)"),
        (
            ("plain", "not json"),
            [dict(name="plain")],
            None,
            "secret plain is not a JSON object: set variable to use its whole value as one variable",
        ),
        (("list", "[1, 2]"), [dict(name="list")], None, "secret list is not a JSON object"),
        (
            None,
            [dict(name="tradebot/prod/db-master", keys=dict(token="TOKEN"))],
            None,
            "secret tradebot/prod/db-master has no key token (its keys are: password, username)",
        ),
        (
            ("dash", '{"api-key": "v"}'),
            [dict(name="dash")],
            None,
            "secret dash key api-key does not give a valid variable name (api-key); map it to one with keys",
        ),
        (
            ("dup", '{"username": "other"}'),
            [dict(name="tradebot/prod/db-master"), dict(name="dup")],
            None,
            "variable username comes from both secret tradebot/prod/db-master (key username) and secret dup (key username)",
        ),
        (
            None,
            [dict(name="tradebot/prod/db-master")],
            dict(DSN="${username}:${nope}"),
            "compose DSN refers to ${nope}, which none of the secrets provides",
        ),
        (
            None,
            [dict(name="tradebot/prod/db-master")],
            dict(DSN="a$b"),
            "compose DSN has a '$' at character 2 that is neither '$$' nor '${NAME}'",
        ),
        (
            None,
            [dict(name="tradebot/prod/db-master")],
            dict(username="x"),
            "compose variable username is also read from secret tradebot/prod/db-master (key username)",
        ),
        (("nul", '{"K": "a\\u0000b"}'), [dict(name="nul")], None, "nul (key K): the value of K contains a NUL character"),
        (("bom", '{"K": "\\ufeffb"}'), [dict(name="bom")], None, "bom (key K): the value of K contains U+FEFF"),
        (("sur", '{"K": "\\ud800"}'), [dict(name="sur")], None, "the value of K contains a lone UTF-16 surrogate"),
        (("nonch", '{"K": "\\uffff"}'), [dict(name="nonch")], None, "contains the Unicode noncharacter U+FFFF"),
        (
            None,
            [dict(name="tradebot/prod/db-master", variable="X", keys=dict(a="B"))],
            None,
            "secrets[0].variable and secrets[0].keys/prefix are mutually exclusive (secret tradebot/prod/db-master)",
        ),
        (
            None,
            [dict(name="tradebot/prod/db-master", variable="1X")],
            None,
            "secrets[0].variable '1X' (secret tradebot/prod/db-master) is not a valid variable name",
        ),
        (
            None,
            [dict(name="tradebot/prod/db-master", keys=dict(username="DB-USER"))],
            None,
            "secrets[0].keys maps key 'username' of secret tradebot/prod/db-master to 'DB-USER', which is not a valid variable name",
        ),
        (
            None,
            [dict(name="tradebot/prod/db-master", prefix="9")],
            None,
            "secrets[0].prefix '9' (secret tradebot/prod/db-master) is not a valid variable name prefix",
        ),
        (None, [dict(name="tradebot/prod/db-master")], {"BAD-NAME": "x"}, "compose variable 'BAD-NAME' is not a valid variable name"),
        (None, [dict(name="tradebot/prod/db-master")], {"X": "${"}, "compose X has a '$' at character 1"),
    ],
)
def test_errors_leave_file_untouched(run_module, sm, old_file, setup, secrets, compose, message):
    if setup:
        sm.create_secret(Name=setup[0], SecretString=setup[1])
    result, failed = run_module(secrets_env.main, secret_args(old_file, secrets, compose))
    assert failed
    assert message in result["msg"]
    assert_untouched(old_file)
    assert_no_values(result, [DB["password"], DB["username"]])


def test_binary_secret_that_is_not_text(run_module, sm, old_file):
    sm.create_secret(Name="bin", SecretBinary=b"\xff\xfe\x00")
    result, failed = run_module(secrets_env.main, secret_args(old_file, [dict(name="bin", variable="B")]))
    assert failed
    assert result["msg"] == "secret bin has no string value (binary secret that is not UTF-8 text)"
    assert_untouched(old_file)


@pytest.mark.parametrize(
    "extra, message",
    [
        (dict(owner="no-such-user-x"), "user no-such-user-x does not exist on this host"),
        (dict(group="no-such-group-x"), "group no-such-group-x does not exist on this host"),
        (dict(mode="rw-r"), "mode rw-r is not an octal mode such as '0600'"),
        (dict(mode="17777"), "mode 17777 is not an octal mode such as '0600'"),
    ],
)
def test_option_errors(run_module, sm, old_file, extra, message):
    result, failed = run_module(secrets_env.main, base_args(old_file, **extra))
    assert failed and result["msg"] == message
    assert_untouched(old_file)


def test_missing_directory(run_module, sm, tmp_path):
    path = str(tmp_path / "nodir" / "bot.env")
    result, failed = run_module(secrets_env.main, base_args(path))
    assert failed
    assert result["msg"] == "directory %s of %s does not exist" % (os.path.dirname(path), path)


def test_path_is_a_directory(run_module, sm, tmp_path):
    result, failed = run_module(secrets_env.main, base_args(str(tmp_path)))
    assert failed and result["msg"] == "%s is a directory" % tmp_path


def test_unreadable_existing_file(run_module, sm, old_file, monkeypatch):
    def deny(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(secrets_env, "open", deny, raising=False)
    result, failed = run_module(secrets_env.main, base_args(old_file))
    assert failed and result["msg"].startswith("reading %s failed: " % old_file)
    monkeypatch.undo()
    assert_untouched(old_file)


@pytest.mark.parametrize("broken", ["fsync", "rename", "fchown"])
def test_write_failure_leaves_old_file_and_no_temp(run_module, sm, old_file, monkeypatch, broken):
    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(envfile.os, broken, fail)
    result, failed = run_module(secrets_env.main, base_args(old_file))
    monkeypatch.undo()
    assert failed
    assert result["msg"] == "writing %s failed: [Errno 28] No space left on device; the file was left unchanged" % old_file
    assert_untouched(old_file)


def test_attribute_fix_failure(run_module, sm, env_path, monkeypatch):
    run_module(secrets_env.main, base_args(env_path))
    os.chmod(env_path, 0o644)

    def fail(*args, **kwargs):
        raise OSError(1, "Operation not permitted")

    monkeypatch.setattr(secrets_env.os, "chown", fail)
    result, failed = run_module(secrets_env.main, base_args(env_path))
    assert failed
    assert result["msg"] == "setting owner and mode of %s failed: [Errno 1] Operation not permitted" % env_path


# ---------------------------------------------------------------- AWS errors (Stubber)


def stubbed_client(monkeypatch, code=None, exception=None):
    client = boto3.client("secretsmanager", region_name="us-east-1")
    stubber = Stubber(client)
    if code:
        stubber.add_client_error("get_secret_value", service_error_code=code, service_message="%s from AWS" % code)
    stubber.activate()
    if exception:

        def raise_exception(**kwargs):
            raise exception

        monkeypatch.setattr(client, "get_secret_value", raise_exception)

    def fake_client(self, service, retry_decorator=None, **kwargs):
        assert service == "secretsmanager"
        return RetryingBotoClientWrapper(client, AWSRetry.jittered_backoff(retries=1))

    monkeypatch.setattr(AnsibleAWSModule, "client", fake_client)
    return stubber


@pytest.mark.parametrize(
    "code, message",
    [
        ("AccessDeniedException", "access to secret tradebot/prod/db-master was denied"),
        ("DecryptionFailure", "secret tradebot/prod/db-master could not be decrypted with its KMS key"),
        ("InvalidRequestException", "reading secret tradebot/prod/db-master failed"),
    ],
)
def test_aws_errors(run_module, aws_env, old_file, monkeypatch, code, message):
    stubbed_client(monkeypatch, code=code)
    result, failed = run_module(secrets_env.main, base_args(old_file, compose={}))
    assert failed
    assert result["msg"] == "%s: An error occurred (%s) when calling the GetSecretValue operation: %s from AWS" % (
        message, code, code)
    assert result["error"]["code"] == code
    assert_untouched(old_file)


def test_connection_error(run_module, aws_env, old_file, monkeypatch):
    stubbed_client(monkeypatch, exception=botocore.exceptions.EndpointConnectionError(endpoint_url="https://127.0.0.1:9"))
    result, failed = run_module(secrets_env.main, base_args(old_file, compose={}))
    assert failed
    assert result["msg"].startswith("reading secret tradebot/prod/db-master failed: Could not connect to the endpoint URL")
    assert_untouched(old_file)
