"""Errors of the storage layer; their class names reach the page as the error `type`."""

from ..errors import PrometheusError, ValidationError


class StoreError(PrometheusError):
    """The store could not do what was asked; what was stored before is intact."""


class StorageFull(StoreError):
    """The browser (or disk) refused a write for lack of space; nothing of the call was kept."""


class StoreBusy(StoreError):
    """Another tab holds the store for writing; this tab may read but not write."""


class CorruptData(StoreError, ValidationError):
    """Bytes that should be a store file, record or snapshot failed a check (named in the message)."""
