# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The controller-side wheelhouse builder of the python_bot role (no package index needed)."""

from __future__ import annotations

import importlib.util
import json
import os
import zipfile

import pytest

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "python_bot", "files", "build_wheelhouse.py")
SPEC = importlib.util.spec_from_file_location("build_wheelhouse", SCRIPT)
wheelhouse = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(wheelhouse)


def make_wheel(directory, name, version, requires=()):
    """Write a minimal wheel whose METADATA lists ``requires``."""
    dist = "%s-%s" % (name.replace("-", "_"), version)
    path = os.path.join(str(directory), "%s-py3-none-any.whl" % dist)
    headers = ["Metadata-Version: 2.1", "Name: %s" % name, "Version: %s" % version]
    headers += ["Requires-Dist: %s" % requirement for requirement in requires]
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("%s.dist-info/METADATA" % dist, "\n".join(headers) + "\n\nlong description\nRequires-Dist: nope\n")
    return path


def test_marker_needed_only_by_an_older_host_python_is_found(tmp_path):
    make_wheel(tmp_path, "redis", "8.1.0", ['async-timeout>=4.0.3; python_full_version < "3.11.3"'])
    assert wheelhouse.missing_for_target(str(tmp_path), wheelhouse.target_environment("3.11.2", "x86_64")) == [
        "async-timeout>=4.0.3"
    ]
    assert wheelhouse.missing_for_target(str(tmp_path), wheelhouse.target_environment("3.12.3", "x86_64")) == []


def test_present_wheels_extras_and_other_platforms_are_not_missing(tmp_path):
    make_wheel(tmp_path, "paper-bot", "0.1.0", ["pg8000>=1.29", "redis>=4.5", 'pywin32; sys_platform == "win32"',
                                                'hiredis; extra == "fast"'])
    make_wheel(tmp_path, "pg8000", "1.31.5")
    make_wheel(tmp_path, "redis", "7.0.1")
    assert wheelhouse.missing_for_target(str(tmp_path), wheelhouse.target_environment("3.9.16", "aarch64")) == []


def test_names_are_compared_canonically(tmp_path):
    make_wheel(tmp_path, "bot", "1", ["Python_DateUtil>=2"])
    make_wheel(tmp_path, "python-dateutil", "2.9.0")
    assert wheelhouse.missing_for_target(str(tmp_path), wheelhouse.target_environment("3.11.2", "x86_64")) == []


def test_target_environment_describes_the_host():
    environment = wheelhouse.target_environment("3.9.16", "arm64")
    assert environment["python_version"] == "3.9"
    assert environment["python_full_version"] == "3.9.16"
    assert environment["platform_machine"] == "aarch64"
    assert environment["sys_platform"] == "linux"


def test_platform_tags_cover_manylinux2014_and_newer_glibc():
    tags = wheelhouse.platforms("amd64")
    assert "manylinux2014_x86_64" in tags
    assert "manylinux_2_17_x86_64" in tags and "manylinux_2_34_x86_64" in tags
    assert all(tag.endswith("_x86_64") for tag in tags)


def test_tree_digest_ignores_build_output(tmp_path):
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "bot.py").write_text("print(1)\n", encoding="utf-8")
    before = wheelhouse.tree_digest(str(tmp_path))
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "junk").write_text("x", encoding="utf-8")
    (tmp_path / "bot.egg-info").mkdir()
    (tmp_path / "src" / "bot.pyc").write_text("x", encoding="utf-8")
    assert wheelhouse.tree_digest(str(tmp_path)) == before
    (tmp_path / "src" / "bot.py").write_text("print(2)\n", encoding="utf-8")
    assert wheelhouse.tree_digest(str(tmp_path)) != before


def test_unchanged_inputs_reuse_the_wheelhouse(tmp_path, capsys):
    source = tmp_path / "reqs.txt"
    source.write_text("pg8000==1.31.5\n", encoding="utf-8")
    dest = tmp_path / "wh"
    args = ["--dest", str(dest), "--kind", "requirements_file", "--python-version", "3.11.2", "--arch", "x86_64", str(source)]
    inputs = {"kind": "requirements_file", "spec": str(source), "python": "3.11.2", "arch": "x86_64", "pip_args": [],
              "content": wheelhouse.tree_digest(str(source))}
    fingerprint = wheelhouse.hashlib.sha256(json.dumps(inputs, sort_keys=True).encode("utf-8")).hexdigest()
    dest.mkdir()
    (dest / "manifest.json").write_text(json.dumps({"fingerprint": fingerprint, "install": ["-r", "requirements.txt"],
                                                    "wheels": []}), encoding="utf-8")
    assert wheelhouse.main(args) == 0
    assert json.loads(capsys.readouterr().out)["changed"] is False


def test_missing_local_source_fails_with_its_name(tmp_path, capsys):
    with pytest.raises(SystemExit):
        wheelhouse.main(["--dest", str(tmp_path / "wh"), "--kind", "path", "--python-version", "3.11.2", "--arch", "x86_64",
                         str(tmp_path / "nowhere")])
    result = json.loads(capsys.readouterr().out)
    assert result["failed"] and "nowhere does not exist" in result["msg"]
