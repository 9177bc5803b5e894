# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""tradeops.aws.bot_health against real servers on 127.0.0.1.

HTTP and TLS servers are real (http.server and an ssl server with a CA made for the test).
`systemctl show` is a test double: the test machine's PID 1 is not systemd, so run_command
answers with the properties a real systemd would print.
"""

import datetime
import http.server
import socket
import ssl
import threading
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.tradeops.aws.plugins.module_utils import health
from ansible_collections.tradeops.aws.plugins.modules import bot_health

UNIT = "bbgo-xmaker.service"


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/slow":
            time.sleep(2.5)
        status = 500 if self.path == "/error" else 200
        body = b"pong" if status == 200 else b"internal error"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def http_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    serve(server)
    yield "http://127.0.0.1:%d" % server.server_address[1], server.server_address[1]
    server.shutdown()
    server.server_close()


def make_ca(tmp, name):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    path = tmp / ("%s.pem" % name)
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, str(path)


def make_server_cert(tmp, ca_key, ca_cert):
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    cert_path = tmp / "server.pem"
    key_path = tmp / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_path), str(key_path)


@pytest.fixture(scope="module")
def tls(tmp_path_factory):
    """A TLS server (like Redis with in-transit encryption) and an HTTPS server, one CA."""
    tmp = tmp_path_factory.mktemp("tls")
    ca_key, ca_cert, ca_file = make_ca(tmp, "sandbox-ca")
    other_ca_file = make_ca(tmp, "other-ca")[2]
    cert, key = make_server_cert(tmp, ca_key, ca_cert)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    stop = threading.Event()

    def accept_loop():
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn = listener.accept()[0]
            except socket.timeout:
                continue
            try:
                conn.settimeout(2)
                with context.wrap_socket(conn, server_side=True) as tls_conn:
                    tls_conn.recv(1)
            except (OSError, ssl.SSLError):
                pass
            finally:
                conn.close()

    threading.Thread(target=accept_loop, daemon=True).start()

    https = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    https.daemon_threads = True
    https.socket = context.wrap_socket(https.socket, server_side=True)
    serve(https)
    yield dict(
        port=listener.getsockname()[1],
        https="https://127.0.0.1:%d" % https.server_address[1],
        ca_file=ca_file,
        other_ca_file=other_ca_file,
    )
    stop.set()
    https.shutdown()
    https.server_close()
    listener.close()


@pytest.fixture
def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def show(active="active", sub="running", result="success", restarts=0, load="loaded", since=None):
    now_us = int(time.clock_gettime(time.CLOCK_MONOTONIC) * 1e6)
    enter = now_us - int((since if since is not None else 120) * 1e6) if active == "active" else 0
    return (
        "LoadState=%s\nActiveState=%s\nSubState=%s\nResult=%s\nNRestarts=%d\nActiveEnterTimestampMonotonic=%d\n"
        % (load, active, sub, result, restarts, enter)
    )


@pytest.fixture
def systemctl(monkeypatch):
    """Test double for `systemctl show`: answers with the next prepared output."""
    answers = []
    seen = []

    def run_command(self, args, **kwargs):
        seen.append(args)
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, tuple):
            return answer
        return 0, answer, ""

    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *a, **kw: "/bin/systemctl")
    monkeypatch.setattr(AnsibleModule, "run_command", run_command)
    monkeypatch.setattr(bot_health.time, "sleep", lambda s: None)
    return answers, seen


def test_all_healthy(run_module, systemctl, http_server, tls):
    answers, seen = systemctl
    # A unit active for 300 s, or for less on a machine that booted less than 300 s ago (a unit
    # cannot have entered its state before the monotonic clock's zero).
    since = max(1, min(300, int(time.clock_gettime(time.CLOCK_MONOTONIC)) - 5))
    answers.append(show(since=since))
    result, failed = run_module(
        bot_health.main,
        dict(
            unit=UNIT,
            http_url=http_server[0] + "/api/ping",
            http_expected_body="pong",
            endpoints=[
                dict(name="database", host="127.0.0.1", port=http_server[1]),
                dict(name="redis", host="127.0.0.1", port=tls["port"], tls=True, ca_file=tls["ca_file"]),
                dict(name="redis-by-name", host="127.0.0.1", port=tls["port"], tls=True, ca_file=tls["ca_file"], server_name="localhost"),
            ],
            fail_on_unhealthy=True,
        ),
        check_mode=True,
    )
    assert not failed, result
    assert result["healthy"] is True and result["problems"] == [] and result["changed"] is False
    unit = result["checks"]["unit"]
    assert (unit["active_state"], unit["sub_state"], unit["n_restarts"]) == ("active", "running", 0)
    assert since - 1 <= unit["active_seconds"] <= since + 10
    assert result["checks"]["http"]["status"] == 200 and result["checks"]["http"]["body_matched"] is True
    assert result["checks"]["http"]["latency_ms"] >= 0
    assert result["checks"]["endpoints"]["database"]["reachable"] is True
    redis = result["checks"]["endpoints"]["redis"]
    assert redis["reachable"] and redis["tls"] is True and redis["tls_version"].startswith("TLS")
    assert seen[0][:3] == ["/bin/systemctl", "show", UNIT]
    assert result["attempts"] == 1


def test_https_with_ca_file(run_module, tls):
    result, failed = run_module(bot_health.main, dict(http_url=tls["https"] + "/healthz", http_ca_file=tls["ca_file"]))
    assert not failed and result["healthy"] is True, result
    result, failed = run_module(bot_health.main, dict(http_url=tls["https"] + "/healthz", http_ca_file=tls["other_ca_file"]))
    assert result["healthy"] is False
    assert result["problems"][0].startswith(tls["https"] + "/healthz refused the TLS handshake: certificate verify failed")


@pytest.mark.parametrize(
    "props, expected",
    [
        (dict(active="inactive", sub="dead"), "%s is inactive (dead), not active." % UNIT),
        (
            dict(active="failed", sub="failed", result="exit-code"),
            "%s has failed (failed, result exit-code); see journalctl -u %s." % (UNIT, UNIT),
        ),
        (
            dict(active="activating", sub="auto-restart", result="signal"),
            "%s crashed and is waiting to be restarted (result signal); see journalctl -u %s." % (UNIT, UNIT),
        ),
        (dict(load="not-found", active="inactive", sub="dead"), "%s is not installed (systemd does not know the unit)." % UNIT),
        (
            dict(restarts=5),
            "%s has been restarted 5 times by systemd since it was last started (threshold 3); see journalctl -u %s." % (UNIT, UNIT),
        ),
    ],
)
def test_unit_problems(run_module, systemctl, props, expected):
    answers = systemctl[0]
    answers.append(show(**props))
    result, failed = run_module(bot_health.main, dict(unit=UNIT))
    assert not failed
    assert result["healthy"] is False
    assert result["problems"] == [expected]
    assert result["checks"]["unit"]["active_seconds"] is None or props.get("active", "active") == "active"


def test_restart_loop_seen_across_retries(run_module, systemctl):
    answers, seen = systemctl
    answers.extend([show(active="activating", sub="auto-restart", restarts=1), show(restarts=2, since=1)])
    result, failed = run_module(bot_health.main, dict(unit=UNIT, retries=2, delay=1))
    assert not failed
    assert result["healthy"] is False and result["attempts"] == 3
    assert len(seen) == 3
    assert result["problems"][0].startswith("%s restarted 1 time during the " % UNIT)
    assert result["checks"]["unit"]["n_restarts"] == 2


def test_recovers_within_retries(run_module, systemctl):
    answers = systemctl[0]
    answers.extend([show(active="activating", sub="start"), show()])
    result, failed = run_module(bot_health.main, dict(unit=UNIT, retries=3, restart_threshold=0))
    assert not failed and result["healthy"] is True and result["attempts"] == 2


def test_systemctl_error_and_missing(run_module, systemctl, monkeypatch):
    answers = systemctl[0]
    answers.append((1, "", "Failed to connect to bus: No such file or directory"))
    result, failed = run_module(bot_health.main, dict(unit=UNIT))
    assert result["problems"] == ["systemctl show %s failed (rc 1): Failed to connect to bus: No such file or directory" % UNIT]
    monkeypatch.setattr(AnsibleModule, "get_bin_path", lambda self, name, *a, **kw: None)
    result, failed = run_module(bot_health.main, dict(unit=UNIT))
    assert failed and result["msg"] == "systemctl was not found; checking unit %s needs systemd" % UNIT


def test_http_500(run_module, http_server):
    url = http_server[0] + "/error"
    result, failed = run_module(bot_health.main, dict(http_url=url, http_expected_body="pong"))
    assert not failed and result["healthy"] is False
    assert result["checks"]["http"]["status"] == 500
    assert result["problems"] == ["%s answered HTTP 500, expected 200." % url, "%s answered without the expected text 'pong'." % url]


def test_http_timeout(run_module, http_server):
    url = http_server[0] + "/slow"
    result, failed = run_module(bot_health.main, dict(http_url=url, timeout=1))
    assert result["problems"] == ["%s did not answer within 1 second." % url]
    assert result["checks"]["http"]["status"] is None and result["checks"]["http"]["latency_ms"] >= 900


def test_http_refused_and_fail_on_unhealthy(run_module, closed_port):
    url = "http://127.0.0.1:%d/api/ping" % closed_port
    result, failed = run_module(bot_health.main, dict(http_url=url, fail_on_unhealthy=True))
    assert failed
    assert result["msg"] == "the bot is unhealthy: %s refused the connection (nothing listens on that port)." % url
    assert result["healthy"] is False


def test_db_port_closed(run_module, closed_port):
    result, failed = run_module(bot_health.main, dict(endpoints=[dict(name="database", host="127.0.0.1", port=closed_port)]))
    assert result["problems"] == [
        "database endpoint 127.0.0.1:%d refused the connection (nothing listens on that port)." % closed_port
    ]
    assert result["checks"]["endpoints"]["database"]["reachable"] is False


def test_tls_handshake_failures(run_module, tls, http_server):
    result, failed = run_module(
        bot_health.main,
        dict(
            endpoints=[
                dict(name="redis", host="127.0.0.1", port=tls["port"], tls=True, ca_file=tls["other_ca_file"]),
                dict(name="redis-wrong-name", host="127.0.0.1", port=tls["port"], tls=True, ca_file=tls["ca_file"], server_name="cache.example"),
                dict(name="plain", host="127.0.0.1", port=http_server[1], tls=True, ca_file=tls["ca_file"]),
            ]
        ),
    )
    assert not failed and result["healthy"] is False
    p = result["problems"]
    assert p[0].startswith("redis endpoint 127.0.0.1:%d refused the TLS handshake: certificate verify failed" % tls["port"])
    assert p[1].startswith("redis-wrong-name endpoint 127.0.0.1:%d refused the TLS handshake: " % tls["port"])
    assert "cache.example" in p[1]
    assert p[2].startswith("plain endpoint 127.0.0.1:%d refused the TLS handshake: " % http_server[1])
    redis = result["checks"]["endpoints"]["redis"]
    assert redis["reachable"] is True and redis["tls"] is False


def test_unresolvable_host(run_module):
    result, failed = run_module(bot_health.main, dict(endpoints=[dict(name="db", host="no-such-host.invalid", port=3306)]))
    assert result["problems"][0].startswith("db endpoint no-such-host.invalid:3306 cannot be resolved: ")


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(retries=-1), "retries, delay and timeout must not be negative, and timeout must be at least 1 second"),
        (dict(timeout=0), "retries, delay and timeout must not be negative, and timeout must be at least 1 second"),
        (
            dict(endpoints=[dict(name="db", host="a", port=1), dict(name="db", host="b", port=2)]),
            "endpoint names must be unique; db appears more than once",
        ),
    ],
)
def test_option_errors(run_module, args, message):
    result, failed = run_module(bot_health.main, args)
    assert failed and result["msg"] == message


def test_nothing_requested_is_healthy(run_module):
    result, failed = run_module(bot_health.main, {})
    assert not failed and result["healthy"] is True and result["checks"] == {"endpoints": {}}


@pytest.mark.parametrize(
    "error, text",
    [
        (socket.timeout("timed out"), "did not answer within 5 seconds"),
        (OSError(113, "No route to host"), "is unreachable: No route to host"),
        (ValueError("bad"), "failed: bad"),
        (ssl.SSLError(1, "boom"), "refused the TLS handshake: "),
    ],
)
def test_describe_error(error, text):
    assert health.describe_error(error, 5).startswith(text)


def test_parse_show_and_unit_state():
    props = health.parse_show("ActiveState=active\nnoise\nNRestarts=x\n")
    state = health.unit_state(props, 10.0)
    assert state["n_restarts"] == 0 and state["active_seconds"] is None
