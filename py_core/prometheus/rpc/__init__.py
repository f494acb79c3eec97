"""The message boundary between the page and the core.

The worker sends every request here (`prepare`, then `dispatch`) and posts back what
comes out; methods are plain functions registered with `@method`.
"""

from .interrupts import watch as watch_interrupts
from .registry import dispatch, method, methods, prepare, take_buffers

__all__ = ["dispatch", "method", "methods", "prepare", "take_buffers", "watch_interrupts"]
