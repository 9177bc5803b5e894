"""paper-bot: an example paper-trading bot for tradeops.aws deployments."""

__version__ = "0.1.0"
