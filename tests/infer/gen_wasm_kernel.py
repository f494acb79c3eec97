"""Reassemble the kernel of `prometheus/infer/backends/wasm_kernel.py` from the WAT that
`prometheus/infer/backends/wasm_source.py` writes.

Needs node and the npm package wabt (installed into a temporary folder):

    python tests/infer/gen_wasm_kernel.py
"""

from __future__ import annotations

import base64
import hashlib
import re
import subprocess
import sys
import tempfile
from pathlib import Path

MODULE = (
    Path(__file__).resolve().parents[2] / "py_core" / "prometheus" / "infer" / "backends" / "wasm_kernel.py"
)
WABT_VERSION = "1.0.39"
ASSEMBLE = """import wabtInit from "wabt"; import fs from "fs";
const wabt = await wabtInit();
const mod = wabt.parseWat("kernel.wat", fs.readFileSync("kernel.wat", "utf8"), { simd: true });
mod.validate();
fs.writeFileSync("kernel.wasm", Buffer.from(mod.toBinary({}).buffer));
"""


def main() -> None:
    sys.path.insert(0, str(MODULE.parents[3]))
    from prometheus.infer.backends.wasm_source import wat

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        subprocess.run(
            ["npm", "install", "--no-audit", "--no-fund", "--ignore-scripts", f"wabt@{WABT_VERSION}"],
            cwd=work,
            check=True,
            capture_output=True,
        )
        (work / "kernel.wat").write_text(wat())
        (work / "assemble.mjs").write_text(ASSEMBLE)
        subprocess.run(["node", "assemble.mjs"], cwd=work, check=True)
        raw = (work / "kernel.wasm").read_bytes()
    text = MODULE.read_text()
    text = re.sub(
        r'WAT_SHA256 = "[0-9a-f]*"', f'WAT_SHA256 = "{hashlib.sha256(wat().encode()).hexdigest()}"', text
    )
    text = re.sub(r'WASM_SHA256 = "[0-9a-f]*"', f'WASM_SHA256 = "{hashlib.sha256(raw).hexdigest()}"', text)
    text = re.sub(r'WASM_BASE64 = "[^"]*"', f'WASM_BASE64 = "{base64.b64encode(raw).decode()}"', text)
    MODULE.write_text(text)
    print(f"{MODULE}: {len(raw)} bytes of wasm")


if __name__ == "__main__":
    main()
