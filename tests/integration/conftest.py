# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the integration tests."""

import json
import subprocess

import pytest

from provision_support import Moto


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """A moto server (the test double for AWS) in this process, one per test module."""
    server = Moto(tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def deployed():
    """The end-to-end sandbox (e2e_support.py), deployed with site.yml once for the e2e, fault and
    teardown modules, which run in that order (file names); removed at the end of the session.
    Yields the output of the cold site.yml run."""
    import e2e_support  # pylint: disable=import-outside-toplevel
    if subprocess.run(["docker", "info"], capture_output=True, check=False).returncode != 0:
        pytest.skip("no Docker engine answers (make images starts one)")
    e2e_support.down()
    rc, out, took = e2e_support.playbook("site.yml")
    e2e_support.FIGURES["site_cold_s"] = round(took, 1)
    yield out
    e2e_support.down()


def pytest_configure(config):
    config.addinivalue_line("markers", "faults_only: a fault test `make faults` runs and `make integration` leaves out")


def pytest_terminal_summary(terminalreporter):
    """The end-to-end figures and the fault table, after the results."""
    import e2e_support  # pylint: disable=import-outside-toplevel
    if e2e_support.FIGURES:
        terminalreporter.write_line("FIGURES " + json.dumps(e2e_support.FIGURES, sort_keys=True))
    if e2e_support.FAULTS:
        terminalreporter.section("faults")
        for line in e2e_support.faults_table().splitlines():
            terminalreporter.write_line(line)
