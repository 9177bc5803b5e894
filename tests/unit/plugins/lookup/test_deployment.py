# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventories' deployment settings (plugins/lookup/deployment.py): -e extra variables, then
environment, then the sandbox started last, then group_vars/all.yml beside ansible.cfg, then the
defaults."""

import pytest

from ansible import context
from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.collections import ImmutableDict
from ansible.parsing.dataloader import DataLoader
from ansible.utils.vars import load_extra_vars

from ansible_collections.tradeops.aws.plugins.lookup import deployment


@pytest.fixture
def repo(tmp_path):
    (tmp_path / "group_vars").mkdir()
    (tmp_path / "group_vars" / "all.yml").write_text(
        "tradeops_project: fromfile\ntradeops_region: eu-west-1\ntradeops_environment: \"{{ x }}\"\n")
    (tmp_path / "ansible.cfg").write_text("[defaults]\n")
    return tmp_path


def _current(repo, text):
    (repo / ".cache" / "sandbox").mkdir(parents=True)
    (repo / ".cache" / "sandbox" / "current.yml").write_text(text)


def test_group_vars_then_defaults(repo):
    values = deployment.settings({}, str(repo / "ansible.cfg"), sandbox=True)
    # A templated value cannot be evaluated before a play: the default stands.
    assert values == {"tradeops_project": "fromfile", "tradeops_environment": "prod",
                      "tradeops_region": "eu-west-1", "sandbox_moto_url": "http://127.0.0.1:4566"}


def test_the_sandbox_started_last_wins_over_group_vars(repo):
    _current(repo, "tradeops_project: seed\ntradeops_region: ap-northeast-2\nsandbox_moto_url: http://127.0.0.1:4600\n")
    values = deployment.settings({}, str(repo / "ansible.cfg"), sandbox=True)
    assert values["tradeops_project"] == "seed" and values["tradeops_region"] == "ap-northeast-2"
    assert values["sandbox_moto_url"] == "http://127.0.0.1:4600"
    # Real AWS never reads the sandbox's record.
    assert deployment.settings({}, str(repo / "ansible.cfg"), sandbox=False)["tradeops_project"] == "fromfile"


def test_environment_wins(repo):
    _current(repo, "tradeops_project: seed\ntradeops_environment: demo\ntradeops_region: ap-northeast-2\n")
    environ = {"TRADEOPS_PROJECT": "env", "TRADEOPS_SANDBOX_AWS_URL": "http://127.0.0.1:4591"}
    values = deployment.settings(environ, str(repo / "ansible.cfg"), sandbox=True)
    assert values["tradeops_project"] == "env" and values["sandbox_moto_url"] == "http://127.0.0.1:4591"
    # Another project's sandbox record is not mixed in: its environment and region are not env's.
    assert (values["tradeops_environment"], values["tradeops_region"]) == ("prod", "eu-west-1")
    environ = {"TRADEOPS_PROJECT": "seed"}
    assert deployment.settings(environ, str(repo / "ansible.cfg"), sandbox=True)["tradeops_region"] == "ap-northeast-2"


def test_cache_dir_from_the_environment(repo, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    (cache / "sandbox").mkdir()
    (cache / "sandbox" / "current.yml").write_text("tradeops_environment: staging\n")
    values = deployment.settings({"TRADEOPS_CACHE": str(cache)}, str(repo / "ansible.cfg"), sandbox=True)
    assert values["tradeops_environment"] == "staging"


def test_broken_record_is_an_error(repo):
    _current(repo, "tradeops_project: [unclosed\n")
    with pytest.raises(AnsibleLookupError, match="is not YAML"):
        deployment.settings({}, str(repo / "ansible.cfg"), sandbox=True)


def test_lookup_run(repo, monkeypatch):
    monkeypatch.setattr(deployment.C, "CONFIG_FILE", str(repo / "ansible.cfg"))
    monkeypatch.delenv("TRADEOPS_PROJECT", raising=False)
    monkeypatch.delenv("TRADEOPS_CACHE", raising=False)
    lookup = deployment.LookupModule()
    assert lookup.run(["tradeops_project", "tradeops_region"], variables={}) == ["fromfile", "eu-west-1"]
    with pytest.raises(AnsibleLookupError, match="not nope"):
        lookup.run(["nope"], variables={})


def test_extra_vars_win(repo):
    _current(repo, "tradeops_project: seed\ntradeops_environment: prod\nsandbox_moto_url: http://127.0.0.1:4600\n")
    environ = {"TRADEOPS_PROJECT": "env", "TRADEOPS_ENVIRONMENT": "demo"}
    values = deployment.settings(environ, str(repo / "ansible.cfg"), True, {"tradeops_project": "cli"})
    # -e names the project, the environment variable the environment; the record is another project's.
    assert (values["tradeops_project"], values["tradeops_environment"]) == ("cli", "demo")
    assert values["sandbox_moto_url"] == "http://127.0.0.1:4566"
    # A templated extra variable cannot be evaluated before the play: the next source stands.
    values = deployment.settings({}, str(repo / "ansible.cfg"), True, {"tradeops_project": "{{ p }}"})
    assert values["tradeops_project"] == "seed"


def test_another_environment_of_the_sandbox(repo):
    _current(repo, "tradeops_project: seed\ntradeops_environment: prod\nsandbox_moto_url: http://127.0.0.1:4600\n")
    values = deployment.settings({}, str(repo / "ansible.cfg"), True, {"tradeops_environment": "staging"})
    # Same project: the same sandbox (its moto), but the environment asked for.
    assert (values["tradeops_project"], values["tradeops_environment"]) == ("seed", "staging")
    assert values["sandbox_moto_url"] == "http://127.0.0.1:4600"


def test_lookup_reads_the_command_line(repo, monkeypatch):
    monkeypatch.setattr(deployment.C, "CONFIG_FILE", str(repo / "ansible.cfg"))
    monkeypatch.delenv("TRADEOPS_PROJECT", raising=False)
    monkeypatch.delenv("TRADEOPS_CACHE", raising=False)
    (repo / "deployment.yml").write_text("tradeops_project: fromfile2\ntradeops_environment: staging\n")
    monkeypatch.setattr(context, "CLIARGS", ImmutableDict(
        extra_vars=("@" + str(repo / "deployment.yml"), "tradeops_region=sa-east-1")))
    monkeypatch.setattr(load_extra_vars, "extra_vars", None, raising=False)
    try:
        lookup = deployment.LookupModule(loader=DataLoader())
        assert lookup.run(["tradeops_project", "tradeops_environment", "tradeops_region"], variables={}) \
            == ["fromfile2", "staging", "sa-east-1"]
    finally:
        load_extra_vars.extra_vars = None
