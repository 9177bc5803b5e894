# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the integration tests."""

import pytest

from provision_support import Moto


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """A moto server (the test double for AWS) in this process, one per test module."""
    server = Moto(tmp_path_factory.mktemp("moto"))
    yield server
    server.stop()
