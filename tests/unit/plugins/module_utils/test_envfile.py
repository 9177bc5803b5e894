# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The env file format: quoting, the port of systemd's reader, ${VAR} composition."""

import os

import pytest

from ansible_collections.tradeops.aws.plugins.module_utils import envfile

VALUES = [
    "",
    "plain",
    "'",
    "''",
    "it's",
    '"double"',
    "$HOME ${X} $$ $(id)",
    "`id`",
    "back\\slash\\",
    "\\n not a newline",
    "multi\nline\r\nvalue\n",
    "\n\nleading newlines",
    "   leading and trailing   ",
    " \t ",
    "#hash ;semicolon",
    "=equals=",
    "ünïcødé ✓ 😀",
]


@pytest.mark.parametrize("value", VALUES)
def test_quote_round_trips_through_the_reader(value):
    text = envfile.render({"V": value, "A": "x"}, header="header line\n\nsecond line")
    assert envfile.parse(text) == {"V": value, "A": "x"}


def test_render_is_sorted_and_single_quoted():
    assert envfile.render({"B": "it's", "A": "1"}) == "A='1'\nB='it'\"'\"'s'\n"


def test_reader_other_syntax():
    text = (
        "# comment\n; comment\n  \n"
        "PLAIN = some value   \n"
        "ESC=a\\ b\\\\c\\\n"
        "continued\n"
        'DQ="x\\"y\\$z\\`w\\\\v\\q"\n'
        'DQCONT="one\\\ntwo"\n'
        "NOVALUE\n"
        "EMPTY=\n"
        "  KEY  =x\n"
        "LAST='unterminated"
    )
    assert envfile.parse(text) == {
        "PLAIN": "some value",
        "ESC": "a b\\ccontinued",
        "DQ": 'x"y$z`w\\v\\q',
        "DQCONT": "onetwo",
        "EMPTY": "",
        "KEY": "x",
        "LAST": "unterminated",
    }


def test_reader_comment_escape_and_nul():
    assert envfile.parse("#a\\\nA=1\n#b\\x\nB=2\0C=3") == {"A": "1", "B": "2"}


def test_reader_value_at_end_without_newline():
    assert envfile.parse("A=x  ") == {"A": "x"}
    assert envfile.parse("A=") == {"A": ""}


@pytest.mark.parametrize("name, ok", [("A", True), ("_a1", True), ("1A", False), ("A-B", False), ("", False), (None, False)])
def test_is_valid_name(name, ok):
    assert envfile.is_valid_name(name) is ok


@pytest.mark.parametrize(
    "value, problem",
    [
        ("fine", None),
        ("a\0", "NUL"),
        ("\ufeff", "U+FEFF"),
        ("\ud800", "surrogate"),
        ("\ufdd0", "U+FDD0"),
        ("\U0001fffe", "U+1FFFE"),
    ],
)
def test_value_problem(value, problem):
    found = envfile.value_problem(value)
    if problem is None:
        assert found is None
    else:
        assert problem in found


def test_expand():
    assert envfile.expand("${U}:${P}@x/$$1", {"U": "u", "P": "p$"}) == "u:p$@x/$1"
    with pytest.raises(ValueError, match=r"refers to \$\{Q\}"):
        envfile.expand("${Q}", {})
    with pytest.raises(ValueError, match="character 3"):
        envfile.expand("ab$c", {})
    assert envfile.compose_references("${A}$${B}") == ["A"]
    with pytest.raises(ValueError, match="character 1"):
        envfile.compose_references("$")


def test_write_atomic(tmp_path):
    path = str(tmp_path / "f.env")
    envfile.write_atomic(path, b"A='1'\n", 0o640)
    with open(path, "rb") as f:
        assert f.read() == b"A='1'\n"
    assert os.stat(path).st_mode & 0o777 == 0o640
    envfile.write_atomic(path, b"", 0o600, os.getuid(), os.getgid())
    assert os.path.getsize(path) == 0
    assert sorted(os.listdir(str(tmp_path))) == ["f.env"]
