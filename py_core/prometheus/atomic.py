"""Steps that an abort must not split.

An abort reaches a running call as KeyboardInterrupt between any two bytecodes
(rpc/interrupts.py). A write that is cut between changing a record and logging its undo
leaves a change the store's rollback cannot see: a node in the graph's table but not in its
label index, say. Functions marked `@atomic` are such steps; the SIGINT handler asks
`splits_a_step` and, while one is on the stack, lets the signal land again later, once the
step has returned.

Marking costs nothing per call: the function is returned unchanged and only its code object
is remembered; the stack is walked only when a signal arrives.
"""

from __future__ import annotations

from types import FrameType

__all__ = ["atomic", "splits_a_step"]

_STEPS: set = set()  # the code objects of @atomic functions


def atomic(function):
    """Mark `function` as one step that an abort waits for (returns it unchanged)."""
    _STEPS.add(function.__code__)
    return function


def splits_a_step(frame: FrameType | None) -> bool:
    """Whether stopping at `frame` (the handler's frame argument) would cut an @atomic step."""
    while frame is not None:
        if frame.f_code in _STEPS:
            return True
        frame = frame.f_back
    return False
