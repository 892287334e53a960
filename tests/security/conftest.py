"""Security fixtures: `alpha`, a populated workspace (tests/api_fuzz/conftest.py) for header and input checks."""

from __future__ import annotations

import pytest

from tests.api_fuzz.conftest import World, build_world


@pytest.fixture
def alpha(db) -> World:
    return build_world("alpha")
