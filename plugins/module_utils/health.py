# -*- coding: utf-8 -*-
# Copyright: tradeops maintainers
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

"""Health probes of a bot: systemd unit state, HTTP(S) endpoint, TCP/TLS reachability.

Pure standard library. Every probe returns a dict of observations plus a list of problems,
each a plain sentence a user can act on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import ssl
import time

try:
    from urllib.error import HTTPError, URLError
    from urllib.request import HTTPSHandler, Request, build_opener
except ImportError:  # pragma: no cover - Python 2 is not supported
    pass

UNIT_PROPERTIES = (
    "LoadState",
    "ActiveState",
    "SubState",
    "Result",
    "NRestarts",
    "ActiveEnterTimestampMonotonic",
)
BODY_LIMIT = 65536


def parse_show(text):
    """Parse `systemctl show` output (KEY=VALUE lines)."""
    out = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def unit_state(props, now_monotonic):
    """Observations from `systemctl show` properties."""
    active_enter = _int(props.get("ActiveEnterTimestampMonotonic"))
    active_seconds = None
    if props.get("ActiveState") == "active" and active_enter > 0:
        active_seconds = max(0.0, round(now_monotonic - active_enter / 1e6, 1))
    return dict(
        load_state=props.get("LoadState"),
        active_state=props.get("ActiveState"),
        sub_state=props.get("SubState"),
        result=props.get("Result"),
        n_restarts=_int(props.get("NRestarts")),
        active_seconds=active_seconds,
    )


def unit_problems(unit, first, last, restart_threshold, window_seconds):
    """Problems seen in the unit's first and last observation of one check."""
    problems = []
    if last["load_state"] == "not-found":
        return ["%s is not installed (systemd does not know the unit)." % unit]
    if last["active_state"] == "failed":
        problems.append(
            "%s has failed (%s, result %s); see journalctl -u %s." % (unit, last["sub_state"], last["result"], unit)
        )
    elif last["active_state"] == "activating" and last["sub_state"] == "auto-restart":
        problems.append(
            "%s crashed and is waiting to be restarted (result %s); see journalctl -u %s." % (unit, last["result"], unit)
        )
    elif last["active_state"] != "active":
        problems.append("%s is %s (%s), not active." % (unit, last["active_state"], last["sub_state"]))
    rose = last["n_restarts"] - first["n_restarts"]
    if rose > 0:
        problems.append(
            "%s restarted %d time%s during the %d seconds of this check (restart loop); see journalctl -u %s."
            % (unit, rose, "" if rose == 1 else "s", window_seconds, unit)
        )
    elif restart_threshold and last["n_restarts"] >= restart_threshold:
        problems.append(
            "%s has been restarted %d times by systemd since it was last started (threshold %d); see journalctl -u %s."
            % (unit, last["n_restarts"], restart_threshold, unit)
        )
    return problems


def probe_http(url, expected_status, expected_body, timeout, ca_file=None):
    """GET url; returns (observations, problems)."""
    obs = dict(url=url, status=None, latency_ms=None, body_matched=None, error=None)
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    opener = build_opener(HTTPSHandler(context=context))
    started = time.monotonic()
    body = b""
    try:
        response = opener.open(Request(url, headers={"User-Agent": "tradeops-bot-health"}), timeout=timeout)
        try:
            obs["status"] = response.getcode()
            body = response.read(BODY_LIMIT)
        finally:
            response.close()
    except HTTPError as e:
        obs["status"] = e.code
        try:
            body = e.read(BODY_LIMIT)
        except Exception:  # pylint: disable=broad-except
            body = b""
    except (URLError, OSError, ValueError) as e:
        reason = getattr(e, "reason", e)
        obs["error"] = describe_error(reason, timeout)
        obs["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
        return obs, ["%s %s." % (url, obs["error"])]
    obs["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
    problems = []
    if obs["status"] != expected_status:
        problems.append("%s answered HTTP %s, expected %s." % (url, obs["status"], expected_status))
    if expected_body is not None:
        obs["body_matched"] = expected_body in body.decode("utf-8", errors="replace")
        if not obs["body_matched"]:
            problems.append("%s answered without the expected text %r." % (url, expected_body))
    return obs, problems


def describe_error(error, timeout):
    """A sentence fragment (after the thing that failed) for a socket/TLS/HTTP error."""
    if isinstance(error, ssl.SSLCertVerificationError):
        return "refused the TLS handshake: certificate verify failed: %s" % (error.verify_message or error)
    if isinstance(error, ssl.SSLError):
        return "refused the TLS handshake: %s" % (getattr(error, "reason", None) or error)
    if isinstance(error, (socket.timeout, TimeoutError)):
        return "did not answer within %s second%s" % (timeout, "" if timeout == 1 else "s")
    if isinstance(error, ConnectionRefusedError):
        return "refused the connection (nothing listens on that port)"
    if isinstance(error, socket.gaierror):
        return "cannot be resolved: %s" % (error.strerror or error)
    if isinstance(error, OSError) and error.strerror:
        return "is unreachable: %s" % error.strerror
    return "failed: %s" % error


def probe_endpoint(name, host, port, tls, ca_file, timeout, server_name=None):
    """Open a TCP connection (and a TLS session when tls); returns (observations, problems)."""
    obs = dict(host=host, port=port, reachable=False, tls=None, tls_version=None, latency_ms=None, error=None)
    where = "%s endpoint %s:%s" % (name, host, port)
    started = time.monotonic()
    try:
        sock = socket.create_connection((host, port), timeout=timeout)
    except (OSError, ValueError) as e:
        obs["error"] = describe_error(e, timeout)
        return obs, ["%s %s." % (where, obs["error"])]
    obs["reachable"] = True
    try:
        if tls:
            context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
            try:
                with context.wrap_socket(sock, server_hostname=server_name or host) as tls_sock:
                    obs["tls"] = True
                    obs["tls_version"] = tls_sock.version()
            except (OSError, ValueError) as e:
                obs["tls"] = False
                if isinstance(e, (ssl.SSLError, socket.timeout, TimeoutError)):
                    obs["error"] = describe_error(e, timeout)
                else:
                    obs["error"] = "refused the TLS handshake: %s" % (getattr(e, "strerror", None) or e)
                return obs, ["%s %s." % (where, obs["error"])]
    finally:
        obs["latency_ms"] = round((time.monotonic() - started) * 1000, 1)
        sock.close()
    return obs, []
