"""Azurite for tests: the same process manager ``make run`` uses (tools/azurite.py)."""
from tools.azurite import ACCOUNT, ACCOUNT_KEY, AZURITE_BIN, Azurite

__all__ = ["ACCOUNT", "ACCOUNT_KEY", "AZURITE_BIN", "Azurite"]
