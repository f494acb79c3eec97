"""The message boundary between the page and the core.

The worker sends every request here (`prepare`, then `start`, which runs `dispatch`) and posts back what
comes out; methods are plain functions registered with `@method`.
"""

from .interrupts import watch as watch_interrupts
from .registry import dispatch, method, methods, prepare, start, take_buffers

__all__ = ["dispatch", "method", "methods", "prepare", "start", "take_buffers", "watch_interrupts"]
