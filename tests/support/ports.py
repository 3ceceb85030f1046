"""Free loopback ports for tests (tools/ports.py)."""
from tools.ports import free_port, wait_for_port

__all__ = ["free_port", "wait_for_port"]
