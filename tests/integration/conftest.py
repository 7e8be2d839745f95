import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Qemu  # noqa: E402


@pytest.fixture
def qemu():
    """A fresh, paused x86_64 guest; killed even when the test fails."""
    with Qemu("x86_64") as guest:
        yield guest
