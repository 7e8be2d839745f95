import os
import resource
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import Qemu  # noqa: E402

# No spawned debugger, guest or tool leaves a core file in the tree.  The hard
# limit too: GDB's internal-error handler raises the soft limit before it
# aborts (that is how a 53 MB `core` once got committed), but it dumps only
# when the hard limit allows one.  Every child of the test run inherits this.
resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


@pytest.fixture
def qemu():
    """A fresh, paused x86_64 guest; killed even when the test fails."""
    with Qemu("x86_64") as guest:
        yield guest
