"""How long a call takes: the chapters that compare speeds time their calls with this."""

import time


def timed(func, *args, **kwargs):
    """Call func(*args, **kwargs); return (what it returned, the seconds it took)."""
    start = time.perf_counter()
    result = func(*args, **kwargs)
    return result, time.perf_counter() - start
