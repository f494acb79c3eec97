"""The message boundary between the page and the core.

The worker sends every request here (`prepare`, then `start`, which runs `dispatch`) and posts back what
comes out; methods are plain functions registered with `@method`.
"""

from .interrupts import watch as watch_interrupts
from .registry import dispatch, method, methods, prepare, start, take_buffers, take_buffers_for_js

__all__ = [
    "dispatch",
    "method",
    "methods",
    "prepare",
    "start",
    "take_buffers",
    "take_buffers_for_js",
    "watch_interrupts",
]
