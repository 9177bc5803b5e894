"""Publishes ticks to the Redis channel ``ticker.<symbol>`` (TLS + AUTH by default).

Without REDIS_HOST there is no Redis: ticks are not published (NullPublisher).
"""

from __future__ import annotations

import json


def redis_client(settings):
    """A redis-py client from the settings; the CA file defaults to the system trust store."""
    import redis  # pylint: disable=import-outside-toplevel

    kwargs = dict(
        host=settings.redis_host,
        port=settings.redis_port,
        db=settings.redis_db,
        username=settings.redis_username,
        password=settings.redis_password,
        socket_timeout=5,
        socket_connect_timeout=5,
    )
    if settings.redis_tls:
        kwargs.update(
            ssl=True,
            ssl_cert_reqs="required",
            ssl_ca_certs=settings.redis_ca_file,
            ssl_check_hostname=settings.redis_check_hostname,
        )
    return redis.Redis(**kwargs)


def tick_message(symbol: str, price: float, seq: int, timestamp: float) -> str:
    return json.dumps({"symbol": symbol, "price": price, "seq": seq, "ts": round(timestamp, 3)}, sort_keys=True)


def publisher_for(settings):
    """Publisher to Redis when REDIS_HOST is set, else the NullPublisher (redis is not imported)."""
    if not settings.publishing:
        return NullPublisher(settings.channel)
    return Publisher(redis_client(settings), settings.channel)


class Publisher:
    """Thin wrapper so the bot and its tests need only publish/ping/close."""

    enabled = True

    def __init__(self, client, channel: str):
        self._client = client
        self.channel = channel

    def describe(self) -> dict:
        """Static facts for the health report (never a credential)."""
        return {"enabled": True, "channel": self.channel}

    def publish(self, message: str) -> int:
        return self._client.publish(self.channel, message)

    def ping(self) -> None:
        if not self._client.ping():
            raise ConnectionError("Redis did not answer PING")

    def close(self) -> None:
        self._client.close()


class NullPublisher:
    """No Redis (REDIS_HOST unset): nothing is published, and PING always succeeds."""

    enabled = False
    detail = "no Redis (REDIS_HOST is not set): ticks are not published"

    def __init__(self, channel: str):
        self.channel = channel

    def describe(self) -> dict:
        return {"enabled": False, "detail": self.detail}

    def publish(self, message: str) -> int:
        del message
        return 0

    def ping(self) -> None:
        pass

    def close(self) -> None:
        pass
