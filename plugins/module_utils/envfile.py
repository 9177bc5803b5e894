# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Environment files for systemd's EnvironmentFile=: quoting, parsing, atomic writes.

The quoting follows systemd's own reader (src/basic/env-file.c, parse_env_file_internal(),
systemd 246 and later; documented under EnvironmentFile= in systemd.exec(5)):

* a single-quoted value is taken verbatim up to the next single quote, across newlines,
  with no escape sequences at all;
* after a closing quote the reader is back before the value, so quoted pieces that follow
  each other without blanks are joined into one value;
* a double-quoted piece may hold a single quote.

Every value is therefore written as single-quoted pieces, each single quote of the value as
the piece "'" (double-quoted). Newlines, carriage returns, tabs, leading and trailing blanks,
backslashes, double quotes, ``$``, backticks, ``#`` and ``;`` need no escape in that form, and
systemd performs no variable expansion on EnvironmentFile= values. What systemd cannot carry
at all is refused (see value_problem()).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import tempfile

VALID_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

# systemd's env-file.c: NEWLINE "\n\r", WHITESPACE " \t\n\r", COMMENTS "#;",
# SHELL_NEED_ESCAPE "\"\\`$".
_NEWLINE = "\n\r"
_WHITESPACE = " \t\n\r"
_COMMENTS = "#;"
_SHELL_NEED_ESCAPE = "\"\\`$"

_COMPOSE_TOKEN = re.compile(r"\$(\$|\{([^}]*)\}|)")


def is_valid_name(name):
    """True when name is a portable environment variable name."""
    return bool(VALID_NAME.match(name or ""))


def value_problem(value):
    """Return why systemd cannot carry value (a sentence fragment), or None when it can.

    systemd reads the file as a NUL-terminated UTF-8 string and drops assignments whose value
    is not valid UTF-8; systemd.exec(5) lists NUL, the byte order mark U+FEFF and the Unicode
    noncharacters as invalid.
    """
    for ch in value:
        cp = ord(ch)
        if cp == 0:
            return "contains a NUL character, which an environment variable cannot hold"
        if cp == 0xFEFF:
            return "contains U+FEFF (byte order mark), which systemd refuses in environment files"
        if 0xD800 <= cp <= 0xDFFF:
            return "contains a lone UTF-16 surrogate, which is not valid UTF-8"
        if 0xFDD0 <= cp <= 0xFDEF or (cp & 0xFFFE) == 0xFFFE:
            return "contains the Unicode noncharacter U+%04X, which systemd refuses" % cp
    return None


def quote_value(value):
    """Quote value so that systemd's EnvironmentFile= reader returns exactly value."""
    return "\"'\"".join("'" + piece + "'" for piece in value.split("'"))


def render(variables, header=None):
    """Render {name: value} as an environment file (text), names sorted."""
    lines = []
    if header:
        lines.extend("# " + line if line else "#" for line in header.splitlines())
    for name in sorted(variables):
        lines.append("%s=%s" % (name, quote_value(variables[name])))
    return "\n".join(lines) + "\n"


def parse(text):
    """Parse an environment file the way systemd's EnvironmentFile= reader does.

    A port of parse_env_file_internal() (systemd v254+) returning {name: value}; a later
    assignment of the same name replaces an earlier one, as in systemd.
    """
    result = {}
    state = "PRE_KEY"
    key = []
    value = None
    last_key_ws = None
    last_value_ws = None

    def push():
        k = "".join(key if last_key_ws is None else key[:last_key_ws])
        v = "".join(value or [])
        if state == "VALUE" and last_value_ws is not None:
            v = "".join(value[:last_value_ws])
        result[k] = v

    for c in text:
        if c == "\0":
            break
        if state == "PRE_KEY":
            if c in _COMMENTS:
                state = "COMMENT"
            elif c not in _WHITESPACE:
                state = "KEY"
                last_key_ws = None
                key.append(c)
        elif state == "KEY":
            if c in _NEWLINE:
                state = "PRE_KEY"
                key = []
            elif c == "=":
                state = "PRE_VALUE"
                last_value_ws = None
            else:
                if c not in _WHITESPACE:
                    last_key_ws = None
                elif last_key_ws is None:
                    last_key_ws = len(key)
                key.append(c)
        elif state in ("PRE_VALUE", "VALUE") and c in _NEWLINE:
            push()
            state = "PRE_KEY"
            key = []
            value = None
        elif state == "PRE_VALUE":
            if c == "'":
                state = "SINGLE_QUOTE_VALUE"
            elif c == '"':
                state = "DOUBLE_QUOTE_VALUE"
            elif c == "\\":
                state = "VALUE_ESCAPE"
            elif c not in _WHITESPACE:
                state = "VALUE"
                value = (value or []) + [c]
        elif state == "VALUE":
            if c == "\\":
                state = "VALUE_ESCAPE"
                last_value_ws = None
            else:
                if c not in _WHITESPACE:
                    last_value_ws = None
                elif last_value_ws is None:
                    last_value_ws = len(value or [])
                value = (value or []) + [c]
        elif state == "VALUE_ESCAPE":
            state = "VALUE"
            if c not in _NEWLINE:
                value = (value or []) + [c]
        elif state == "SINGLE_QUOTE_VALUE":
            if c == "'":
                state = "PRE_VALUE"
            else:
                value = (value or []) + [c]
        elif state == "DOUBLE_QUOTE_VALUE":
            if c == '"':
                state = "PRE_VALUE"
            elif c == "\\":
                state = "DOUBLE_QUOTE_VALUE_ESCAPE"
            else:
                value = (value or []) + [c]
        elif state == "DOUBLE_QUOTE_VALUE_ESCAPE":
            state = "DOUBLE_QUOTE_VALUE"
            if c in _SHELL_NEED_ESCAPE:
                value = (value or []) + [c]
            elif c != "\n":
                value = (value or []) + ["\\", c]
        elif state == "COMMENT":
            if c == "\\":
                state = "COMMENT_ESCAPE"
            elif c in _NEWLINE:
                state = "PRE_KEY"
        else:  # COMMENT_ESCAPE
            state = "PRE_KEY" if c in _NEWLINE else "COMMENT"

    if state not in ("PRE_KEY", "KEY", "COMMENT", "COMMENT_ESCAPE"):
        push()
    return result


def expand(template, variables):
    """Replace ${NAME} by variables[NAME] and $$ by $ in template.

    Raises ValueError with a sentence fragment when template has a bare $ or names a
    variable that is not in variables.
    """
    out = []
    pos = 0
    for match in _COMPOSE_TOKEN.finditer(template):
        out.append(template[pos:match.start()])
        pos = match.end()
        if match.group(1) == "$":
            out.append("$")
        elif match.group(2) is not None:
            name = match.group(2)
            if name not in variables:
                raise ValueError("refers to ${%s}, which none of the secrets provides" % name)
            out.append(variables[name])
        else:
            raise ValueError("has a '$' at character %d that is neither '$$' nor '${NAME}'" % (match.start() + 1))
    out.append(template[pos:])
    return "".join(out)


def compose_references(template):
    """Names that template refers to with ${NAME}; raises ValueError like expand()."""
    names = []
    for match in _COMPOSE_TOKEN.finditer(template):
        if match.group(2) is not None:
            names.append(match.group(2))
        elif match.group(1) != "$":
            raise ValueError("has a '$' at character %d that is neither '$$' nor '${NAME}'" % (match.start() + 1))
    return names


def write_atomic(path, data, mode, uid=-1, gid=-1):
    """Replace path with data (bytes) atomically.

    The data goes to a temporary file in the same directory, which gets its mode and owner
    before any byte is written, is flushed to disk (fsync), then renamed over path; the
    directory is fsynced afterwards. On any error the temporary file is removed and path is
    left as it was; the exception propagates.
    """
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        try:
            os.fchmod(fd, mode)
            if uid != -1 or gid != -1:
                os.fchown(fd, uid, gid)
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.rename(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
