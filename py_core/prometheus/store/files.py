"""The three kinds of file the store writes, each a `codec` container with its own magic.

- a journal **record**: one committed call's changes, `{seq, id, device, time, parts}` where
  `parts` maps a part name to that part's encoded redo ops. `id` is random (128 bits) and
  `device` names the store that made it, so records from several devices never clash;
- a **checkpoint**: the whole state at `seq`, `{seq, time, device, parts}` with each part's
  snapshot bytes;
- an **export**: a checkpoint wrapped with the format name, the store name and the time, for
  backups and for moving a collection between origins (the app, the extension).

Versions: the magic's last digit. A file of another version is refused by name.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field

from . import codec
from .errors import CorruptData

RECORD = b"PSTREC1\n"
CHECKPOINT = b"PSTCKP1\n"
EXPORT = b"PSTEXP1\n"
EXPORT_FORMAT = "prometheus-web/store-export"


def _parts_ok(parts) -> bool:
    """A part name -> bytes map, as records and checkpoints carry."""
    return isinstance(parts, dict) and all(
        isinstance(k, str) and isinstance(v, bytes) for k, v in parts.items()
    )


def new_id() -> str:
    return os.urandom(16).hex()


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Record:
    """One committed change: the parts it touched, as each part's own bytes."""

    seq: int
    parts: dict[str, bytes]
    device: str | None  # None in a store that was never opened (memory, tests)
    id: str = field(default_factory=new_id)
    time: int = field(default_factory=now_ms)

    def to_bytes(self) -> bytes:
        return codec.pack(
            RECORD,
            {"seq": self.seq, "id": self.id, "device": self.device, "time": self.time, "parts": self.parts},
        )

    @classmethod
    def from_bytes(cls, data, where: str = "journal record") -> Record:
        doc = codec.unpack(RECORD, data, where)
        try:
            record = cls(
                seq=doc["seq"], parts=doc["parts"], device=doc["device"], id=doc["id"], time=doc["time"]
            )
        except (KeyError, TypeError):
            raise CorruptData(f"{where} lacks seq, id, device, time or parts") from None
        if type(record.seq) is not int or not _parts_ok(record.parts):
            raise CorruptData(f"{where} has fields of the wrong type")
        return record


@dataclass
class Checkpoint:
    """The whole state at `seq`: every part's bytes."""

    seq: int
    parts: dict[str, bytes]
    device: str | None  # None in a store that was never opened (memory, tests)
    time: int = field(default_factory=now_ms)

    def to_bytes(self) -> bytes:
        return codec.pack(
            CHECKPOINT, {"seq": self.seq, "device": self.device, "time": self.time, "parts": self.parts}
        )

    @classmethod
    def from_bytes(cls, data, where: str = "checkpoint", digest: bytes | None = None) -> Checkpoint:
        """`digest`: the sha256 of `data` less its seal, when the platform computed it faster."""
        doc = codec.unpack(CHECKPOINT, data, where, digest)
        try:
            checkpoint = cls(seq=doc["seq"], parts=doc["parts"], device=doc["device"], time=doc["time"])
        except (KeyError, TypeError):
            raise CorruptData(f"{where} lacks seq, device, time or parts") from None
        if type(checkpoint.seq) is not int or checkpoint.seq < 0 or not _parts_ok(checkpoint.parts):
            raise CorruptData(f"{where} has fields of the wrong type")
        return checkpoint


def export_bytes(name: str, checkpoint: Checkpoint) -> bytes:
    return codec.pack(
        EXPORT,
        {
            "format": EXPORT_FORMAT,
            "version": 1,
            "store": name,
            "exported": now_ms(),
            "checkpoint": checkpoint.to_bytes(),
        },
    )


def read_export(data) -> tuple[dict, Checkpoint]:
    """(the export's header fields, its checkpoint); CorruptData for anything else."""
    doc = codec.unpack(EXPORT, data, "the import file")
    if not isinstance(doc, dict) or doc.get("format") != EXPORT_FORMAT:
        raise CorruptData(f"the import file is not a {EXPORT_FORMAT} file")
    if doc.get("version") != 1:
        raise CorruptData(f"the import file has version {doc.get('version')!r}; this version reads 1")
    checkpoint = Checkpoint.from_bytes(doc.get("checkpoint"), "the import file's checkpoint")
    return {k: doc[k] for k in ("store", "exported") if k in doc}, checkpoint
