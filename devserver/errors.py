"""The one exception of the host's start-up path."""
from __future__ import annotations


class StartupError(Exception):
    """Configuration the real host would refuse: the local host prints it and exits non-zero."""
