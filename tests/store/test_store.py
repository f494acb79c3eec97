"""The store on CPython: journal replay, atomic failed writes, checkpoints and recovery,
export/import, and the record format's promises. The browser runs the same Python over
IndexedDB (tests/browser/test_store.py); here the SQLite and memory backends stand in."""

from __future__ import annotations

import json
import random

import numpy as np
import pytest

from prometheus.graph.rpc import current_graph
from prometheus.store import (
    CorruptData,
    DirectoryBackend,
    MemoryBackend,
    StorageFull,
    files,
    open_session,
    session,
)
from prometheus.store.errors import DatabaseLost
from prometheus.store.store import CHECKPOINT_RECORDS
from tests import small_disk
from tests.rpc_call import rpc_envelope, run_coroutine


def call(method, params=None):
    envelope = rpc_envelope(method, params)
    if "error" in envelope:
        raise RuntimeError(f"{envelope['error']['type']}: {envelope['error']['message']}")
    return envelope["result"]


def error_of(method, params=None) -> dict:
    envelope = rpc_envelope(method, params)
    assert "error" in envelope, envelope
    return envelope["error"]


def open_store(backend, name="test"):
    return run_coroutine(open_session(backend, name))


@pytest.fixture(autouse=True)
def fresh_memory_store():
    """Every test starts from an empty in-memory session store (and so empty engines)."""
    open_store(MemoryBackend())
    yield
    open_store(MemoryBackend())


def copy_of(backend) -> MemoryBackend:
    """A second backend holding the same bytes: what a restart would read."""
    return backend.copy()


WRITES = [
    "CREATE (:Concept {key: $k, rank: $r})",
    "MATCH (a:Concept {key: $k}) SET a.seen = timestamp(), a.noise = rand()",
    "MATCH (a:Concept {key: $k}), (b:Concept) WHERE b.rank = $r - 1 CREATE (a)-[:REQUIRES {w: rand()}]->(b)",
    "MATCH (a:Concept {key: $k}) SET a:Mastered REMOVE a.noise",
    "MATCH (a:Concept {key: $k}) DETACH DELETE a",
    "MATCH (a:Concept {key: $k}) SET a.when = datetime({year: 2024, month: 2, day: 29, hour: 7})",
]


def random_writes(seed: int, count: int):
    rng = random.Random(seed)
    for i in range(count):
        query = WRITES[0] if i < 5 else rng.choice(WRITES)
        yield query, {"k": f"c{rng.randrange(12)}" if i >= 5 else f"c{i}", "r": rng.randrange(6)}


def test_journal_replay_rebuilds_the_same_state_even_for_clock_and_rand():
    backend = MemoryBackend()
    open_store(backend)
    for query, params in random_writes(1, 60):
        call("graph.run", {"query": query, "parameters": params})
    call("settings.set", {"values": {"retention": 0.9}})
    live = call("store.info")
    assert live["seq"] > 10
    restarted = open_store(copy_of(backend))
    report = restarted.restore_report
    assert (report["checkpoint"], report["replayed"], report["problems"]) == (None, live["seq"], [])
    assert set(report["ms"]) >= {"read", "verify", "replay"}  # where a start's time went
    assert call("store.info")["digest"] == live["digest"]
    # the digest sees what matters: change one property and it differs
    call("graph.run", {"query": "MATCH (a:Concept) WITH a LIMIT 1 SET a.extra = 1"})
    assert call("store.info")["digest"] != live["digest"]


def test_read_only_calls_write_nothing():
    backend = MemoryBackend()
    open_store(backend)
    call("graph.run", {"query": "CREATE (:A {k: 1})"})
    before = backend.transactions
    call("graph.run", {"query": "MATCH (a:A {k: 1}) RETURN a.k"})  # also builds an index: not journalled
    call("graph.run", {"query": "MATCH (a:A) WHERE a.k = 5 SET a.z = 1"})  # matches nothing
    assert backend.transactions == before
    assert call("store.info")["seq"] == 1


class FailingBackend(MemoryBackend):
    """Refuses the n-th append the way a full disk does."""

    def __init__(self, fail_at):
        super().__init__()
        self.fail_at = fail_at
        self.appends = 0

    async def append(self, entries):
        self.appends += 1
        if self.appends == self.fail_at:
            raise StorageFull(f"journal record {entries[0][0]} did not fit")
        await super().append(entries)


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (:Concept {key: 'new'})-[:REQUIRES]->(:Concept {key: 'newer'})",
        "MATCH (a:Concept {key: 'c0'}) DETACH DELETE a",
        "MATCH (a:Concept) SET a.rank = a.rank + 100, a:Changed",
    ],
)
def test_a_write_that_cannot_be_stored_changes_nothing(query):
    backend = FailingBackend(fail_at=6)
    open_store(backend)
    for i in range(5):
        call(
            "graph.run",
            {"query": "CREATE (a:Concept {key: $k, rank: $i})", "parameters": {"k": f"c{i}", "i": i}},
        )
    digest = call("store.info")["digest"]
    rows = call("graph.run", {"query": "MATCH (a) OPTIONAL MATCH (a)-[r]->(b) RETURN a, r ORDER BY id(a)"})
    error = error_of("graph.run", {"query": query})
    assert error["type"] == "StorageFull" and "did not fit" in error["message"]
    assert call("store.info")["digest"] == digest
    assert (
        call("graph.run", {"query": "MATCH (a) OPTIONAL MATCH (a)-[r]->(b) RETURN a, r ORDER BY id(a)"})
        == rows
    )
    assert call("store.info")["seq"] == 5
    # the session stays usable, ids stay dense, and what was stored replays to the same state
    assert call("graph.run", {"query": "CREATE (n:Concept {key: 'after'}) RETURN id(n)"})["rows"] == [[5]]
    open_store(copy_of(backend))
    assert current_graph().node_count() == 6


def test_bulk_index_import_is_one_transaction_and_restores_without_the_model():
    backend = MemoryBackend()
    open_store(backend)
    from prometheus.infer.rpc import session_index

    rng = np.random.default_rng(3)
    vectors = rng.normal(size=(10_000, 384)).astype(np.float32)
    ids = [f"card-{i}" for i in range(10_000)]
    before = backend.transactions
    run_coroutine(session().change(["index"], lambda: session_index().add_vectors(ids, vectors, ids)))
    assert backend.transactions - before == 1
    run_coroutine(session().change(["index"], lambda: session_index().remove(ids[:10])))
    digest = session().digest()
    open_store(copy_of(backend))
    index = session_index()
    assert len(index) == 9_990 and session().digest() == digest  # vectors from the store, no embedding
    unit = vectors[500] / np.linalg.norm(vectors[500])
    assert index.search(unit, 1)[0][0] == "card-500"


def fill(backend, writes=30, seed=2):
    open_store(backend)
    for query, params in random_writes(seed, writes):
        call("graph.run", {"query": query, "parameters": params})


def test_checkpoints_keep_two_generations_and_trim_the_journal():
    backend = MemoryBackend()
    fill(backend, 20)
    first = call("store.checkpoint")
    assert first["written"] and first["seq"] == call("store.info")["seq"]
    fill_more = list(random_writes(5, 15))
    for query, params in fill_more:
        call("graph.run", {"query": query, "parameters": params})
    second = call("store.checkpoint")
    stored = backend.stored
    assert [seq for seq, _ in stored.checkpoints] == [first["seq"], second["seq"]]
    assert [seq for seq, _ in stored.journal] == list(range(first["seq"] + 1, second["seq"] + 1))
    digest = call("store.info")["digest"]
    assert open_store(copy_of(backend)).restore_report["checkpoint"] == second["seq"]
    assert call("store.info")["digest"] == digest


def test_a_damaged_newest_checkpoint_falls_back_to_the_previous_plus_the_journal():
    backend = MemoryBackend()
    fill(backend, 20)
    call("store.checkpoint")
    for query, params in random_writes(7, 12):
        call("graph.run", {"query": query, "parameters": params})
    call("store.checkpoint")
    call("graph.run", {"query": "CREATE (:Late)"})
    digest = call("store.info")["digest"]
    copy = copy_of(backend)
    seq, data = copy.stored.checkpoints[-1]
    flipped = bytearray(data)
    flipped[len(flipped) // 2] ^= 1
    copy.stored.checkpoints[-1] = (seq, bytes(flipped))
    report = open_store(copy).restore_report
    assert report["checkpoint"] == copy.stored.checkpoints[0][0]
    assert "sha256" in report["problems"][0] and "previous generation" in report["problems"][0]
    assert call("store.info")["digest"] == digest


def test_a_damaged_journal_record_is_reported_and_stops_writes_until_repaired():
    backend = MemoryBackend()
    fill(backend, 10)
    copy = copy_of(backend)
    seq, data = copy.stored.journal[6]
    copy.stored.journal[6] = (seq, data[:-3] + b"xyz")
    report = open_store(copy).restore_report
    assert report["replayed"] == 6 and report["problems"] == [
        f"journal record {seq} could not be replayed: journal record {seq} is damaged: its sha256 does not "
        "match (truncated or changed bytes)"
    ]
    info = call("store.info")
    assert info["seq"] == 6 and info["problems"]
    error = error_of("graph.run", {"query": "CREATE (:X)"})
    assert error["type"] == "StoreError" and "store.repair" in error["message"]
    repaired = call("store.repair")
    assert repaired["seq"] == 6 and repaired["dropped"]
    call("graph.run", {"query": "CREATE (:X)"})
    assert open_store(copy_of(copy)).restore_report["problems"] == []


def test_a_missing_journal_record_is_reported_not_skipped():
    backend = MemoryBackend()
    fill(backend, 10)
    copy = copy_of(backend)
    del copy.stored.journal[3]
    report = open_store(copy).restore_report
    assert report["replayed"] == 3 and report["problems"] == ["journal record 4 is missing (next found: 5)"]


def export_bytes() -> bytes:
    envelope = json.loads(
        run_coroutine(__import__("prometheus.rpc", fromlist=["dispatch"]).dispatch("store.export", "{}"))
    )
    from prometheus.rpc import take_buffers

    assert envelope["result"] == {"__bytes__": 0}
    return take_buffers()[0]


def import_bytes(data: bytes) -> dict:
    from prometheus.rpc import dispatch

    return json.loads(
        run_coroutine(dispatch("store.import", json.dumps({"data": {"__bytes__": 0}}), None, [data]))
    )


def test_export_wipe_import_gives_the_same_digest(tmp_path):
    fill(DirectoryBackend(tmp_path / "a"), 25)
    call("settings.set", {"values": {"theme": "dark"}})
    digest = call("store.info")["digest"]
    data = export_bytes()
    open_store(DirectoryBackend(tmp_path / "wiped"))  # a new, empty origin
    assert call("store.info")["digest"] != digest
    result = import_bytes(data)["result"]
    assert result["digest"] == digest and result["store"] == "test"
    # and the import itself is durable
    open_store(DirectoryBackend(tmp_path / "wiped"))
    assert call("store.info")["digest"] == digest and call("settings.get", {"key": "theme"}) == "dark"


def bad_files(data: bytes):
    flipped = bytearray(data)
    flipped[40] ^= 4
    other_version = b"PSTEXP2\n" + data[8:]
    yield "truncated", data[: len(data) // 2], "sha256 does not match"
    yield "flipped bit", bytes(flipped), "sha256 does not match"
    yield "wrong version", other_version, "format b'PSTEXP2\\n'"
    yield "another program's file", b"PK\x03\x04" + bytes(200), "not a Prometheus store file"
    yield (
        "a checkpoint, not an export",
        files.Checkpoint(1, {}, "dev").to_bytes(),
        "not a Prometheus store file",
    )
    yield "empty", b"", "too short"


def test_bad_import_files_are_refused_and_change_nothing():
    fill(MemoryBackend(), 15)
    data = export_bytes()
    call("graph.run", {"query": "CREATE (:OnlyHere)"})
    info = call("store.info")
    for what, bad, message in bad_files(data):
        envelope = import_bytes(bad)
        assert envelope["error"]["type"] == "CorruptData", what
        assert message in envelope["error"]["message"], (what, envelope["error"]["message"])
        assert call("store.info") == info, what
    error = error_of("store.import", {"data": "not bytes"})
    assert error["type"] == "InvalidParams" and "params.data must be bytes (a Uint8Array" in error["message"]


def test_an_import_whose_part_data_is_bad_is_refused_whole():
    fill(MemoryBackend(), 10)
    call("settings.set", {"values": {"a": 1}})
    good = files.read_export(export_bytes())[1]
    # a well-sealed file whose graph part is garbage: the settings part must not be applied either
    bad = files.export_bytes("x", files.Checkpoint(good.seq, {**good.parts, "graph": b"garbage"}, "dev"))
    call("settings.set", {"values": {"a": 2}})
    info = call("store.info")
    envelope = import_bytes(bad)
    assert envelope["error"]["type"] == "GraphStoreError"
    assert call("store.info") == info and call("settings.get", {"key": "a"}) == 2


def test_records_carry_unique_ids_their_device_and_time():
    backend = MemoryBackend()
    fill(backend, 8)
    records = [files.Record.from_bytes(data) for _, data in backend.stored.journal]
    device = backend.stored.device
    assert len({r.id for r in records}) == len(records) and all(len(r.id) == 32 for r in records)
    assert {r.device for r in records} == {device} and len(device) == 16
    assert all(r.time > 1.7e12 for r in records) and [r.seq for r in records] == list(
        range(1, len(records) + 1)
    )
    assert len(records) >= 5
    other = MemoryBackend()
    open_store(other)
    call("graph.run", {"query": "CREATE (:A)"})
    assert run_coroutine(other.load()).device not in (device, None)


def test_opening_a_store_writes_nothing_and_its_first_write_keeps_its_device_id():
    """A start is read-only (a first visit's start used to spend a write transaction on the id):
    the id is written with the first record, before it, and a restart reads the same id."""
    backend = MemoryBackend()
    open_store(backend)
    assert backend.transactions == 0 and backend.stored.device is None
    call("graph.run", {"query": "CREATE (:A {k: 1})"})
    device = backend.stored.device
    assert device is not None and files.Record.from_bytes(backend.stored.journal[0][1]).device == device
    restarted = copy_of(backend)
    open_store(restarted)
    call("graph.run", {"query": "CREATE (:A {k: 2})"})
    assert restarted.stored.device == device
    assert {files.Record.from_bytes(d).device for _, d in restarted.stored.journal} == {device}


def test_a_tab_that_opened_before_the_first_write_adopts_the_writers_device_id():
    """Two tabs open an empty store; neither writes at start, so each has an unsaved id of its
    own. When the writer's first write has saved its id, this tab, catching up and later taking
    over, writes as that id and never replaces it."""
    backend = MemoryBackend()
    open_store(backend)
    own = session().device
    assert own is not None and backend.stored.device is None
    writer = "d" * 16  # what the other tab's first write saved
    run_coroutine(backend.set_device(writer))
    assert run_coroutine(session().catch_up()) == 0
    call("graph.run", {"query": "CREATE (:A {k: 1})"})  # this tab took over and writes
    assert backend.stored.device == writer
    assert files.Record.from_bytes(backend.stored.journal[-1][1]).device == writer


def test_directory_store_survives_the_process_and_checks_as_it_reads(tmp_path):
    path = tmp_path / "learner"
    fill(DirectoryBackend(path), 12)
    info = call("store.info")
    assert info["seq"] >= 6
    assert open_store(DirectoryBackend(path)).restore_report["replayed"] == info["seq"]
    assert call("store.info")["digest"] == info["digest"]


def test_settings_are_validated_and_persist():
    backend = MemoryBackend()
    open_store(backend)
    assert call("settings.set", {"values": {"retention": 0.92, "limits": {"new": 20}}}) == {
        "retention": 0.92,
        "limits": {"new": 20},
    }
    for bad, message in (
        ({}, "non-empty object"),
        ({"": 1}, "non-empty string"),
        ({"x": [1] * 40_000}, "at most"),
    ):
        error = error_of("settings.set", {"values": bad})
        assert error["type"] == "ValidationError" and message in error["message"]
    error = error_of("settings.set", {"values": {"ok": 1, "": 2}})  # all or nothing
    assert call("settings.get", {"key": "ok"}) is None
    call("settings.set", {"values": {"limits": None}})
    open_store(copy_of(backend))
    assert call("settings.get") == {"retention": 0.92}


def test_damaged_record_bytes_are_refused_by_name():
    record = files.Record(3, {"graph": b"ops"}, "dev").to_bytes()
    with pytest.raises(CorruptData, match="journal record is damaged"):
        files.Record.from_bytes(record[:-1] + bytes([record[-1] ^ 1]))
    with pytest.raises(CorruptData, match="format"):
        files.Record.from_bytes(b"PSTREC9\n" + record[8:])


def test_a_bulk_graph_import_is_one_record_that_replays_to_the_same_graph():
    backend = MemoryBackend()
    open_store(backend)
    nodes = {
        "id": [f"n{i}" for i in range(300)],
        "labels": ["Concept"] * 300,
        "properties": {"rank": list(range(300)), "name": [f"concept {i}" for i in range(300)]},
    }
    relationships = {
        "start": [f"n{i}" for i in range(299)],
        "end": [f"n{i + 1}" for i in range(299)],
        "type": ["REQUIRES"] * 299,
    }
    before = backend.transactions
    result = call("graph.import", {"nodes": nodes, "relationships": relationships})
    assert backend.transactions - before == 1, result
    closure = call(
        "graph.run",
        {"query": "MATCH (:Concept {name: 'concept 0'})-[:REQUIRES*]->(b) RETURN count(DISTINCT b)"},
    )
    digest = call("store.info")["digest"]
    open_store(copy_of(backend))
    assert call("store.info")["digest"] == digest
    assert (
        call(
            "graph.run",
            {"query": "MATCH (:Concept {name: 'concept 0'})-[:REQUIRES*]->(b) RETURN count(DISTINCT b)"},
        )
        == closure
    )


def test_a_checkpoint_restores_every_part_to_the_same_digest():
    from prometheus.store import parts

    backend = MemoryBackend()
    open_store(backend)
    call("graph.run", {"query": "UNWIND range(0, 99) AS i CREATE (:Concept {key: 'c' + i, rank: i % 7})"})
    call(
        "learn.add_cards",
        {"cards": [{"front": f"q{i}", "back": f"a{i}", "concepts": [f"c{i}"]} for i in range(100)]},
    )
    from prometheus.infer.rpc import session_index

    vectors = np.random.default_rng(1).normal(size=(100, 384)).astype(np.float32)
    run_coroutine(
        session().change(
            ["index"], lambda: session_index().add_vectors([f"v{i}" for i in range(100)], vectors)
        )
    )
    before = {name: part.digest() for name, part in parts.loaded().items()}
    assert all(before[name] is not None for name in ("graph", "learn", "index"))
    call("store.checkpoint")
    assert open_store(copy_of(backend)).restore_report["replayed"] == 0
    assert {name: part.digest() for name, part in parts.loaded().items()} == before


def test_a_full_disk_refuses_with_storage_full_keeps_no_half_file_and_recovers(tmp_path):
    """A directory store on a real 4 MB disk: writes go on until the disk refuses one; that call
    is refused as StorageFull, leaves no file behind and changes nothing; once space is freed the
    same session writes again, and a restart reads exactly the acknowledged state."""
    with small_disk.mounted(tmp_path / "disk", 4) as disk:
        backend = DirectoryBackend(disk / "store")
        open_store(backend)
        call("graph.run", {"query": "CREATE (:Early {i: 0})"})
        small_disk.leave_free(disk, 256 << 10)
        blob = "x" * (60 << 10)  # each record ~60 kB: the fourth or fifth cannot fit
        for i in range(1, 20):
            before, files = call("store.info"), sorted((disk / "store").rglob("*"))
            try:
                call(
                    "graph.run",
                    {"query": "CREATE (:Big {i: $i, blob: $b})", "parameters": {"i": i, "b": blob}},
                )
            except RuntimeError as error:
                refused = str(error)
                break
        else:
            pytest.fail("the small disk never filled up")
        assert refused.startswith("StorageFull:") and f"journal record {before['seq'] + 1}" in refused
        assert call("store.info") == before and sorted((disk / "store").rglob("*")) == files
        with pytest.raises(RuntimeError, match=r"StorageFull: .*the checkpoint at record"):
            call("store.checkpoint")
        assert sorted((disk / "store").rglob("*")) == files
        small_disk.give_back(disk)
        call("graph.run", {"query": "CREATE (:Early {i: 1})"})
        after = call("store.info")
        assert after["seq"] == before["seq"] + 1
        open_store(DirectoryBackend(disk / "store"))
        assert call("store.info")["digest"] == after["digest"]
        assert call("graph.run", {"query": "MATCH (n:Big) RETURN count(n)"})["rows"] == [[i - 1]]


def test_an_idle_checkpoint_refused_for_space_waits_for_the_journal_to_grow_again():
    class NoRoomForCheckpoints(MemoryBackend):
        attempts = 0

        async def checkpoint(self, seq, data, keep):
            self.attempts += 1
            raise StorageFull(f"the checkpoint at record {seq} did not fit")

    backend = NoRoomForCheckpoints()
    store = open_store(backend)
    for i in range(CHECKPOINT_RECORDS):
        call("graph.run", {"query": "CREATE (:N {i: $i})", "parameters": {"i": i}})
    assert store._journal_records == CHECKPOINT_RECORDS  # a checkpoint is due
    run_coroutine(store._idle_checkpoint())
    assert backend.attempts == 1 and store._journal_records == 0
    call("graph.run", {"query": "CREATE (:N {i: -1})"})  # one more record: not due again yet
    assert store._journal_records == 1 and store.seq == CHECKPOINT_RECORDS + 1
    assert len(run_coroutine(backend.load()).journal) == CHECKPOINT_RECORDS + 1  # nothing dropped


class ForgetfulBackend(MemoryBackend):
    """Loses everything it held, the way Chromium deletes a database after an I/O error; like the
    IndexedDB bridge, the next write notices that the store no longer ends where it left it."""

    def forget(self):
        self.stored = type(self.stored)(device=None)

    async def append(self, entries):
        newest = max([seq for seq, _ in self.stored.journal + self.stored.checkpoints], default=0)
        if newest != entries[0][0] - 1:
            raise DatabaseLost(f"the database ends at record {newest}, this tab at {entries[0][0] - 1}")
        await super().append(entries)


def test_a_session_whose_database_was_lost_writes_its_whole_state_anew():
    backend = ForgetfulBackend()
    open_store(backend)
    for query, params in random_writes(5, 12):
        call("graph.run", {"query": query, "parameters": params})
    seq = call("store.info")["seq"]
    backend.forget()
    call("graph.run", {"query": "CREATE (:After)"})
    assert call("store.info")["seq"] == seq + 1 and [s for s, _ in backend.stored.checkpoints] == [seq + 1]
    call("graph.run", {"query": "CREATE (:AfterThat)"})  # the journal goes on after the rewrite
    live = call("store.info")
    restarted = open_store(copy_of(backend))
    assert restarted.problems == [] and call("store.info")["digest"] == live["digest"]
    assert call("graph.run", {"query": "MATCH (n:After) RETURN count(n)"})["rows"] == [[1]]
