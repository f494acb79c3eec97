"""Errors of the storage layer; their class names reach the page as the error `type`."""

from ..errors import PrometheusError, ValidationError


class StoreError(PrometheusError):
    """The store could not do what was asked; what was stored before is intact."""


class StorageFull(StoreError):
    """The browser (or disk) refused a write for lack of space; nothing of the call was kept."""


class StoreBusy(StoreError):
    """Another tab holds the store for writing; this tab may read but not write."""


class DatabaseLost(StoreError):
    """The storage no longer holds what this session wrote (the browser deleted the database
    after an I/O error, or the site's data was cleared); the session still holds its whole state."""


class CorruptData(StoreError, ValidationError):
    """Bytes that should be a store file, record or snapshot failed a check (named in the message)."""


def write_refused(what: str, where: str, detail: str, no_space: bool) -> StoreError:
    """The one wording of a refused write, for every backend: `what` names the data, `where` the
    storage (IndexedDB, a folder), `detail` the cause as the platform gave it."""
    if no_space:
        return StorageFull(
            f"the disk or the browser's storage quota for this site is full: {what} did not fit; "
            "nothing of this call was kept (free space, or export and delete old data)"
        )
    return StoreError(f"{what} could not be written to {where} ({detail}); nothing of this call was kept")
