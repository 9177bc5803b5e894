"""The Redis publisher, and the null publisher used when there is no REDIS_HOST."""

import json
import os
import subprocess
import sys

from fakes import FakeStore
from paper_bot.bot import PaperBot
from paper_bot.config import Settings
from paper_bot.health import Metrics, check_dependencies
from paper_bot.publisher import NullPublisher, Publisher, publisher_for, redis_client, tick_message

SRC = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")


class FakeRedis:
    """The three redis-py calls the publisher makes."""

    def __init__(self):
        self.published = []
        self.closed = False

    def publish(self, channel, message):
        self.published.append((channel, message))
        return 1

    def ping(self):
        return True

    def close(self):
        self.closed = True


def test_null_publisher_publishes_nothing_and_its_ping_succeeds():
    publisher = NullPublisher("ticker.TEST")
    assert not publisher.enabled and publisher.channel == "ticker.TEST"
    assert publisher.publish(tick_message("TEST", 1.0, 1, 0.0)) == 0
    publisher.ping()
    publisher.close()
    assert publisher.describe() == {"enabled": False, "detail": "no Redis (REDIS_HOST is not set): ticks are not published"}


def test_null_publisher_is_healthy_and_says_there_is_no_redis():
    healthy, report = check_dependencies(FakeStore(), NullPublisher("ticker.TEST"))
    assert healthy and report["status"] == "ok"
    assert report["checks"]["redis"]["ok"] is True
    assert report["checks"]["redis"]["enabled"] is False
    assert "no Redis" in report["checks"]["redis"]["detail"]


def test_without_redis_host_the_publisher_is_null():
    assert isinstance(publisher_for(Settings.from_env({})), NullPublisher)
    assert isinstance(publisher_for(Settings.from_env({"REDIS_HOST": " "})), NullPublisher)


def test_with_redis_host_the_publisher_is_redis_over_tls_with_auth():
    settings = Settings.from_env({"REDIS_HOST": "cache.internal", "REDIS_PORT": "6380", "REDIS_PASSWORD": "tok",
                                  "REDIS_USERNAME": "bot", "REDIS_CA_FILE": "/etc/ssl/ca.pem"})
    publisher = publisher_for(settings)
    assert isinstance(publisher, Publisher) and publisher.enabled
    kwargs = redis_client(settings).connection_pool.connection_kwargs  # no connection is made yet
    assert (kwargs["host"], kwargs["port"], kwargs["username"], kwargs["password"]) == ("cache.internal", 6380, "bot", "tok")
    assert kwargs["ssl_cert_reqs"] == "required" and kwargs["ssl_ca_certs"] == "/etc/ssl/ca.pem"
    assert kwargs["ssl_check_hostname"] is True


def test_redis_publisher_sends_to_the_channel():
    client = FakeRedis()
    publisher = Publisher(client, "ticker.TEST")
    assert publisher.publish("{}") == 1
    publisher.ping()
    publisher.close()
    assert client.published == [("ticker.TEST", "{}")] and client.closed
    assert publisher.describe() == {"enabled": True, "channel": "ticker.TEST"}


def test_the_bot_does_not_count_ticks_it_did_not_publish():
    settings = Settings.from_env({"SYMBOL": "TEST", "SMA_FAST": "2", "SMA_SLOW": "4"})
    store = FakeStore()
    bot = PaperBot(settings, store, NullPublisher(settings.channel), iter([10.0, 11.0]), Metrics("TEST"))
    bot.step()
    bot.step()
    assert len(store.ticks) == 2
    assert bot.metrics.value("paper_bot_published_total", symbol="TEST") is None
    assert bot.metrics.value("paper_bot_errors_total", kind="redis") is None


def test_the_null_publisher_never_imports_redis():
    script = ("import sys; from paper_bot.config import Settings; from paper_bot.publisher import publisher_for; "
              "publisher_for(Settings.from_env({})).ping(); print(json.dumps('redis' in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", "import json; " + script], env=dict(os.environ, PYTHONPATH=SRC),
                          capture_output=True, text=True, timeout=30, check=True)
    assert json.loads(proc.stdout) is False
