"""Fixtures of the deployment tests."""
from __future__ import annotations

from typing import Any

import pytest

from tests.deploy.iac import parse_bicep


@pytest.fixture(scope="session")
def bicep() -> dict[str, dict[str, Any]]:
    """Every Bicep file of infra/, parsed once per session."""
    return parse_bicep()
