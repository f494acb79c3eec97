"""Our WordPiece tokenizer against the reference tokenizer of sentence-transformers."""

from __future__ import annotations

import pytest

from prometheus.errors import ValidationError
from prometheus.infer.tokenizer import WordPieceTokenizer

from .samples import SENTENCES, text_sample


def reference_encode(reference, texts):
    """What sentence-transformers feeds the model: no padding, truncation at 256."""
    assert reference.max_seq_length == 256
    out = reference.tokenizer(list(texts), truncation=True, max_length=reference.max_seq_length)
    return out["input_ids"], out["attention_mask"]


def test_hello_world_matches_published_ids(tokenizer):
    # the ids given in the model's RUNTIME notes, from the reference
    assert tokenizer.encode("hello world") == [101, 7592, 2088, 102]


def test_fixed_sentences_match_reference(tokenizer, reference):
    ids, _ = reference_encode(reference, SENTENCES)
    assert [tokenizer.encode(t) for t in SENTENCES] == ids


def test_large_random_sample_matches_reference_exactly(tokenizer, reference):
    texts = text_sample(3000)
    ids, masks = reference_encode(reference, texts)
    mismatches = [(t, mine, ref) for t, ref in zip(texts, ids) if (mine := tokenizer.encode(t)) != ref]
    assert not mismatches, f"{len(mismatches)} mismatches, first: {mismatches[0]!r}"
    assert any(len(r) == 256 for r in ids), "sample must contain texts cut at 256 tokens"
    assert all(m == [1] * len(r) for m, r in zip(masks, ids))


@pytest.mark.parametrize("block", range(0, 0x110000, 0x11000))
def test_every_code_point_between_letters_matches_reference(tokenizer, reference, block):
    texts = [
        f"Ab{chr(cp)}cd {chr(cp)}x"
        for cp in range(block, min(block + 0x11000, 0x110000))
        if not 0xD800 <= cp <= 0xDFFF
    ]
    ids, _ = reference_encode(reference, texts)
    bad = [(t, tokenizer.encode(t), r) for t, r in zip(texts, ids) if tokenizer.encode(t) != r]
    assert not bad, f"{len(bad)} mismatches, first: {bad[0]!r}"


def test_combining_mark_sequences_match_reference(tokenizer, reference):
    marks = ["\u0301", "\u0327", "\u0345", "\u0323", "\u05b0", "\u093c", "\u0f71", "\u302a", "\u0334"]
    texts = [f"a{m1}{m2}{m3}b" for m1 in marks for m2 in marks for m3 in marks[:3]]
    texts += [f"{b}{m}" for b in "eEoOıİ" for m in marks]
    ids, _ = reference_encode(reference, texts)
    assert [tokenizer.encode(t) for t in texts] == ids


def test_truncation_keeps_first_254_content_tokens(tokenizer, reference):
    text = " ".join(f"word{i}" for i in range(400))
    ids, _ = reference_encode(reference, [text])
    mine = tokenizer.encode(text)
    assert len(mine) == 256 and mine == ids[0]
    assert mine[0] == tokenizer.cls_id and mine[-1] == tokenizer.sep_id


def test_batch_padding_and_mask_match_reference(tokenizer, reference):
    texts = SENTENCES[:6] + ["x"]
    ref = reference.tokenizer(texts, truncation=True, max_length=256, padding=True)
    ids, mask = tokenizer.encode_batch(texts)
    assert ids.tolist() == ref["input_ids"]
    assert mask.tolist() == ref["attention_mask"]


def test_empty_text_is_cls_sep(tokenizer, reference):
    ids, _ = reference_encode(reference, ["", "   ", "\x00\u200b"])
    assert [tokenizer.encode(t) for t in ["", "   ", "\x00\u200b"]] == ids


def test_lone_surrogates_are_dropped(tokenizer):
    assert tokenizer.encode("a\ud800b") == tokenizer.encode("ab")


@pytest.mark.parametrize("bad", [None, 3, b"bytes", ["list"]])
def test_non_string_is_rejected_with_position(tokenizer, bad):
    with pytest.raises(ValidationError, match=r"texts\[1\] must be a string"):
        tokenizer.encode_batch(["ok", bad])


def test_vocabulary_must_have_special_tokens():
    with pytest.raises(ValidationError, match="special tokens"):
        WordPieceTokenizer(["a", "b"])
