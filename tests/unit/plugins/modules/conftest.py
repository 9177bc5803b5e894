# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a module's main() in-process and capture what it would have returned."""

import pytest

from ansible.module_utils import basic
from ansible.module_utils.testing import patch_module_args


class ModuleExit(Exception):
    def __init__(self, result, failed):
        super().__init__(result.get("msg", ""))
        self.result = result
        self.failed = failed


def _exit_json(self, **kwargs):
    kwargs.setdefault("changed", False)
    raise ModuleExit(kwargs, failed=False)


def _fail_json(self, msg="", **kwargs):
    kwargs["msg"] = msg
    raise ModuleExit(kwargs, failed=True)


@pytest.fixture
def run_module(monkeypatch):
    """run_module(main, args, check_mode=False, diff=False) -> (result dict, failed bool)."""
    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)

    def run(main, args, check_mode=False, diff=False):
        args = dict(args)
        args["_ansible_check_mode"] = check_mode
        args["_ansible_diff"] = diff
        with patch_module_args(args):
            try:
                main()
            except ModuleExit as e:
                return e.result, e.failed
        raise AssertionError("the module returned without exit_json or fail_json")

    return run


@pytest.fixture
def aws_env(monkeypatch):
    """Credentials and region for moto; no endpoint from the caller's environment."""
    for name in ("AWS_ENDPOINT_URL", "AWS_URL", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def refuse(monkeypatch):
    """refuse(operation, code): from now on that AWS operation fails with the error code, the
    others still reach moto; refuse(None) lets every call through again."""
    import botocore  # pylint: disable=import-outside-toplevel

    original = botocore.client.BaseClient._make_api_call

    def apply(operation, code="AccessDeniedException"):
        def api_call(self, name, params):
            if name == operation:
                raise botocore.exceptions.ClientError({"Error": {"Code": code, "Message": "refused"}}, name)
            return original(self, name, params)

        monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", api_call)

    return apply
