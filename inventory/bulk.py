"""Building many records at once without the cyclic garbage collector's passes.

Records form no reference cycles (reference counting frees them), yet while a large load builds hundreds
of thousands of them the collector keeps walking every object alive, the new ones included, looking for
cycles: at 10^5 declared flows that was about as much time as building them. A load pauses it.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block with the cyclic garbage collector off; afterwards it is on again if it was before.

    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
