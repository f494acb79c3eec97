"""Semantic index: top-k against brute force, incremental changes, near duplicates, and
SIMILAR_TO links in the real graph store."""

from __future__ import annotations

import numpy as np
import pytest

from prometheus.errors import ValidationError
from prometheus.infer.search import SemanticIndex, link_similar


def random_index(n=200, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    index = SemanticIndex(dim=dim)
    index.add_vectors([f"v{i}" for i in range(n)], vectors)
    return index, vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_top_k_matches_brute_force():
    index, unit = random_index()
    q = np.random.default_rng(1).standard_normal(16)
    got = index.search(q, k=7)
    scores = unit @ (q / np.linalg.norm(q))
    expected = np.argsort(-scores)[:7]
    assert [i for i, _ in got] == [f"v{i}" for i in expected]
    assert np.allclose([s for _, s in got], scores[expected], atol=1e-6)


def test_remove_and_add_are_incremental_and_atomic():
    index, unit = random_index(20)
    index.remove(["v3", "v7"])
    assert len(index) == 18 and "v3" not in index
    with pytest.raises(ValidationError, match="not in the index"):
        index.remove(["v1", "v3"])  # v3 already gone: v1 must stay
    assert "v1" in index
    with pytest.raises(ValidationError, match="already in the index"):
        index.add_vectors(["new", "v1"], np.ones((2, 16)))
    assert "new" not in index and len(index) == 18
    index.add_vectors(["v3"], unit[3:4])
    assert index.search(unit[3], k=1)[0][0] == "v3"
    assert np.allclose(index.vector("v5"), unit[5])


def test_similar_pairs_match_brute_force_across_blocks():
    index, unit = random_index(300, dim=4, seed=3)
    got = index.similar_pairs(0.97, block=64)
    sims = unit @ unit.T
    expected = {(f"v{a}", f"v{b}") for a in range(300) for b in range(a + 1, 300) if sims[a, b] >= 0.97}
    assert {(a, b) for a, b, _ in got} == expected and expected
    assert [s for *_, s in got] == sorted((s for *_, s in got), reverse=True)


def test_bad_queries_are_refused():
    index, _ = random_index(5)
    with pytest.raises(ValidationError, match="k must be a positive integer"):
        index.search(np.ones(16), k=0)
    with pytest.raises(ValidationError, match="vector of length 16"):
        index.search(np.ones(3))
    with pytest.raises(ValidationError, match="no embedder"):
        index.search("text")
    with pytest.raises(ValidationError, match="threshold must be a number"):
        index.similar_pairs("high")
    with pytest.raises(ValidationError, match="top_k must be a positive integer"):
        index.similar_pairs(0.5, top_k=0)


def test_top_k_per_entry_limits_partners():
    index = SemanticIndex(dim=2)
    index.add_vectors(["a", "b", "c", "d"], [[1, 0], [1, 0.01], [1, 0.02], [1, 0.03]])
    all_pairs = index.similar_pairs(0.99)
    assert len(all_pairs) == 6
    limited = index.similar_pairs(0.99, top_k=1)
    partners = [x for a, b, _ in limited for x in (a, b)]
    assert all(partners.count(x) <= 1 for x in "abcd") and len(limited) == 2


def test_text_index_finds_paraphrases_and_duplicates(embedder):
    index = SemanticIndex(embedder)
    index.add(
        ["c1", "c2", "c3", "c4", "c5"],
        [
            "Mitochondria are the powerhouse of the cell.",
            "Photosynthesis turns light into chemical energy.",
            "The mitochondrion is the cell's power plant.",
            "Paris is the capital of France.",
            "mitochondria are the powerhouse of the cell",
        ],
    )
    top = index.search("Which organelle produces energy for the cell?", k=2)
    assert {i for i, _ in top} <= {"c1", "c3", "c5"}
    dups = index.near_duplicates(0.95)
    assert [(a, b) for a, b, _ in dups] == [("c1", "c5")]
    with pytest.raises(ValidationError, match=r"texts\[1\] is empty"):
        index.add(["c6", "c7"], ["fine", ""])
    assert "c6" not in index and len(index) == 5


def test_link_similar_creates_relationships_in_the_graph():
    graph_module = pytest.importorskip("prometheus.graph", reason="graph engine not present")
    g = graph_module.Graph()
    a, b, c = (g.add_node(["Concept"], {"name": n}) for n in "abc")
    assert link_similar(g, [(a, b, 0.91), (b, c, 0.85)]) == 2
    assert link_similar(g, [(b, a, 0.91)]) == 0  # already linked
    rels = list(g.relationships("SIMILAR_TO"))
    assert len(rels) == 2
    assert {g.relationship_endpoints(r) for r in rels} == {(a, b), (b, c)}
    assert g.relationship_properties(rels[0])["score"] in (0.91, 0.85)
