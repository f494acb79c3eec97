"""The WebAssembly text of the encoder kernel (`wasm_kernel.py` holds the assembled bytes;
tests/infer/gen_wasm_kernel.py assembles this text with the npm package wabt).

Every export works on byte offsets into the module's own memory, where the weights stay
resident and the activations of one forward pass live, so Python only copies the token
embeddings in and the last hidden states out. Standard WebAssembly SIMD only (no relaxed
SIMD), so every engine computes the same bits:

- `quantize`: float32 rows -> int16 rows with one scale per row (symmetric, |q| <= qmax);
- `linear`: y = (xq . wq) * x_scale * w_scale + b (+ a residual) with the int8 weights
  widened to int16 and interleaved (`pack_weights`) so that `i32x4.dot_i16x8_s` of one
  row's input pair, splatted, with 8 weights gives 4 outputs' partial sums: the sums stay
  in lanes (no horizontal adds), ROWS x GROUPS accumulators fit V8's 15 usable registers
  (12 accumulators + operands spilled to the stack and ran at half the speed). Weights
  kept as int8 and widened in registers halve the bytes streamed but measured no faster
  (slower when compute-bound), so they are stored widened;
- `gelu`, `layer_norm`: in place over a buffer / per row;
- `attention`: softmax attention of every head over packed sequences (no padding).

Why int16 activations rather than int8: measured on 325 sentences against the fp32 model,
per-row int8 activations drop the worst cosine to 0.980 (int7, as relaxed SIMD's
i8x16.i7x16 dot would need: 0.946-0.975), 10 bits give 0.9969 and 12+ bits 0.9972, the
same as float32 activations (0.9973). With |w| <= 127, |x| <= 8191 and n_in <= 2064 the
int32 sums cannot overflow.
"""

from __future__ import annotations

import numpy as np

ROWS, GROUPS = 3, 3  # per step: ROWS rows x GROUPS groups of 4 outputs (measured best of 2-5 x 2-4)
HEAD_SIZE = 32
UNROLL = 2  # input pairs per inner-loop turn

# Cephes expf: exp(x) = 2^n * p(r), r = x - n ln2 in two parts; |rel. error| < 2e-7.
_EXP_POLY = (
    1.9875691500e-4,
    1.3981999507e-3,
    8.3334519073e-3,
    4.1665795894e-2,
    1.6666665459e-1,
    5.0000001201e-1,
)
# Abramowitz & Stegun 7.1.26 (as numpy_backend.gelu): |erf error| < 1.5e-7.
_ERF_P = 0.3275911
_ERF_A = (1.061405429, -1.453152027, 1.421413741, -0.284496736, 0.254829592)
_INV_SQRT2 = 0.7071067811865476


def pack_weights(w: np.ndarray) -> np.ndarray:
    """int8 (n_out, n_in) -> the int16 layout `linear` reads: per group of 4 outputs, per
    pair of inputs k, k+1, the 8 values [w[o,k], w[o,k+1], w[o+1,k], ..., w[o+3,k+1]]."""
    n_out, n_in = w.shape
    if n_out % (4 * GROUPS) or n_in % (2 * UNROLL):
        raise ValueError(
            f"linear needs n_out divisible by {4 * GROUPS} and n_in by {2 * UNROLL}, got {w.shape}"
        )
    blocks = w.astype(np.int16).reshape(n_out // 4, 4, n_in // 2, 2).transpose(0, 2, 1, 3)
    return np.ascontiguousarray(blocks)


def f4(value: float) -> str:
    return f"(v128.const f32x4 {value!r} {value!r} {value!r} {value!r})"


def i4(value: int) -> str:
    return f"(v128.const i32x4 {value} {value} {value} {value})"


def get(name: str) -> str:
    return f"(local.get ${name})"


def loop(var: str, end: str, step: int | str, body: str, start: str = "(i32.const 0)") -> str:
    step_expr = f"(i32.const {step})" if isinstance(step, int) else step
    return f"""(local.set ${var} {start})
(block $done_{var} (loop $next_{var}
  (br_if $done_{var} (i32.ge_u {get(var)} {end}))
  {body}
  (local.set ${var} (i32.add {get(var)} {step_expr}))
  (br $next_{var})))"""


# exp, GELU and lane sums are written inline where they are used: a call makes V8 spill
# every live SIMD register around it (all are caller-saved), which halved `linear`.
EXP_TEMPS = "(local $ek v128) (local $er v128) (local $en v128) (local $et v128)"
MAGIC, MAGIC_BITS = 12582912.0, 0x4B400000  # 1.5 * 2^23: adding it rounds to an integer, kept in the low bits
# f32x4.pmin/pmax are single instructions; f32x4.min/max cost V8 ~8 (NaN and -0 rules)
GELU_TEMPS = EXP_TEMPS + " (local $gz v128) (local $gt v128) (local $ge v128)"


def hsum(v: str) -> str:
    """f32 sum of the lanes of local v."""
    lane = [f"(f32x4.extract_lane {i} {get(v)})" for i in range(4)]
    return f"(f32.add (f32.add {lane[0]} {lane[1]}) (f32.add {lane[2]} {lane[3]}))"


def exp_into(dst: str, src: str) -> str:
    """Statements setting local dst to exp(src) for lanes above -87, exactly 0 below (so
    -inf gives 0: masked softmax entries). Uses the EXP_TEMPS locals."""
    poly = f4(_EXP_POLY[0])
    for c in _EXP_POLY[1:]:
        poly = f"(f32x4.add (f32x4.mul {poly} {get('er')}) {f4(c)})"
    # n = round(x log2 e) and 2^n from the bits of x log2 e + 1.5 * 2^23 (whose ulp is 1):
    # cheaper in V8 than f32x4.nearest plus i32x4.trunc_sat_f32x4_s
    return f"""(local.set $ek (f32x4.gt {src} {f4(-87.0)}))
  (local.set $er (f32x4.pmax (f32x4.pmin {src} {f4(88.0)}) {f4(-87.0)}))
  (local.set $et (f32x4.add (f32x4.mul {get("er")} {f4(1.4426950408889634)}) {f4(MAGIC)}))
  (local.set $en (f32x4.sub {get("et")} {f4(MAGIC)}))
  (local.set $er (f32x4.sub (f32x4.sub {get("er")} (f32x4.mul {get("en")} {f4(0.693359375)}))
                           (f32x4.mul {get("en")} {f4(-2.12194440e-4)})))
  (local.set ${dst} (v128.and {get("ek")}
    (f32x4.mul
      (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul {poly} {get("er")}) {get("er")}) {get("er")}) {f4(1.0)})
      (i32x4.shl (i32x4.add {get("et")} {i4(127 - MAGIC_BITS)}) (i32.const 23)))))"""


def gelu_in_place(x: str) -> str:
    """Statements replacing local x by GELU(x) (erf form, the steps of numpy_backend.gelu):
    x * (1 + erf(x/sqrt2)) / 2 == max(x, 0) - |x| * erfc(|x|/sqrt2) / 2. Uses GELU_TEMPS."""
    poly = f"(f32x4.mul {get('gt')} {f4(_ERF_A[0])})"
    for a in _ERF_A[1:]:
        poly = f"(f32x4.mul (f32x4.add {poly} {f4(a)}) {get('gt')})"
    return f"""(local.set $gz (f32x4.mul (f32x4.abs {get(x)}) {f4(_INV_SQRT2)}))
  (local.set $gt (f32x4.div {f4(1.0)} (f32x4.add (f32x4.mul {get("gz")} {f4(_ERF_P)}) {f4(1.0)})))
  {exp_into("ge", f"(f32x4.neg (f32x4.pmin (f32x4.mul {get('gz')} {get('gz')}) {f4(80.0)}))")}
  (local.set ${x} (f32x4.sub (f32x4.pmax {get(x)} {f4(0.0)})
    (f32x4.mul (f32x4.mul (f32x4.mul {poly} {get("ge")}) (f32x4.abs {get(x)})) {f4(0.5)})))"""


def _quantize_func() -> str:
    absmax = (
        f"(local.set $m (f32x4.max {get('m')} (f32x4.abs (v128.load (i32.add {get('src')} {get('k')})))))"
    )
    lanes = [f"(f32x4.extract_lane {i} {get('m')})" for i in range(4)]

    def to_i32(off: int) -> str:
        return (
            f"(i32x4.trunc_sat_f32x4_s (f32x4.nearest (f32x4.mul (v128.load offset={off} "
            f"(i32.add {get('src')} {get('k')})) {get('inv')})))"
        )

    store = (
        f"(v128.store (i32.add {get('dst')} (i32.shr_u {get('k')} (i32.const 1))) "
        f"(i16x8.narrow_i32x4_s {to_i32(0)} {to_i32(16)}))"
    )
    row = f"""(local.set $src (i32.add {get("x")} (i32.mul {get("r")} {get("nb")})))
  (local.set $dst (i32.add {get("xq")} (i32.mul {get("r")} (i32.shr_u {get("nb")} (i32.const 1)))))
  (local.set $m (v128.const i32x4 0 0 0 0))
  {loop("k", get("nb"), 16, absmax)}
  (local.set $mx (f32.max (f32.max {lanes[0]} {lanes[1]}) (f32.max {lanes[2]} {lanes[3]})))
  (if (f32.gt {get("mx")} (f32.const 0))
    (then (local.set $inv (f32x4.splat (f32.div {get("qmax")} {get("mx")})))
          (f32.store (i32.add {get("xs")} (i32.shl {get("r")} (i32.const 2))) (f32.div {get("mx")} {get("qmax")})))
    (else (local.set $inv (v128.const i32x4 0 0 0 0))
          (f32.store (i32.add {get("xs")} (i32.shl {get("r")} (i32.const 2))) (f32.const 0))))
  {loop("k", get("nb"), 32, store)}"""
    return f"""(func $quantize (export "quantize") (param $x i32) (param $xq i32) (param $xs i32) (param $rows i32)
    (param $n i32) (param $qmax f32)
  ;; row r of x (n float32) -> n int16 at xq + 2nr, round(x / s) with s = max|x| / qmax at xs + 4r
  (local $r i32) (local $k i32) (local $nb i32) (local $src i32) (local $dst i32) (local $mx f32)
  (local $m v128) (local $inv v128)
  (local.set $nb (i32.shl {get("n")} (i32.const 2)))
  {loop("r", get("rows"), 1, row)})"""


def _linear_func(R: int, G: int) -> str:
    """R rows x G groups of 4 outputs per step; k advances UNROLL pairs per loop turn. The
    rows left over (rows % R) take one step of their own size: a sentence of 13 tokens
    computed 15 rows when the last step repeated a row (~7% of a single sentence's time); the
    group's weights are in cache by then, so a one-row step costs about one row (measured on
    13 rows: 4.7-5.0 -> 4.3 ms for the six layers; one row alone: 1.0 -> 0.5 ms)."""
    acc = [[f"a{r}{g}" for g in range(G)] for r in range(R)]

    def row_block(rows: int) -> str:
        zero = "\n".join(f"(local.set ${a} (v128.const i32x4 0 0 0 0))" for row in acc[:rows] for a in row)
        inner = []
        for u in range(UNROLL):
            for g in range(G):
                at = get("kw") if g == 0 else f"(i32.add {get('kw')} {get(f'w{g}')})"
                inner.append(f"(local.set $wv{g} (v128.load offset={16 * u} {at}))")
            for r in range(rows):
                inner.append(
                    f"(local.set $xv (v128.load32_splat offset={4 * u} (i32.add {get(f'x{r}')} {get('k')})))"
                )
                for g in range(G):
                    a = acc[r][g]
                    inner.append(
                        f"(local.set ${a} (i32x4.add {get(a)} (i32x4.dot_i16x8_s {get('xv')} {get(f'wv{g}')})))"
                    )
        inner.append(f"(local.set $kw (i32.add {get('kw')} (i32.const {16 * UNROLL})))")
        xsets = [f"(local.set $x0 (i32.add {get('xq')} (i32.mul {get('r')} {get('kb')})))"]
        xsets += [f"(local.set $x{r} (i32.add {get(f'x{r - 1}')} {get('kb')}))" for r in range(1, rows)]
        stores = []
        for r in range(rows):
            row = f"(i32.add {get('r')} (i32.const {r}))"
            xs = f"(f32x4.splat (f32.load (i32.add {get('xs')} (i32.shl {row} (i32.const 2)))))"
            stores.append(f"(local.set $xsv {xs})")
            for g in range(G):
                out = f"(i32.shl (i32.add (i32.mul {row} {get('n_out')}) (i32.add {get('o')} (i32.const {4 * g}))) (i32.const 2))"
                stores.append(f"""(local.set $f (f32x4.add (f32x4.mul (f32x4.mul (f32x4.convert_i32x4_s {get(acc[r][g])})
      {get("xsv")}) {get(f"wsv{g}")}) {get(f"bv{g}")}))
    (if {get("residual")}
      (then (local.set $f (f32x4.add {get("f")} (v128.load (i32.add {get("res")} {out}))))))
    (v128.store (i32.add {get("y")} {out}) {get("f")})""")
        return f"""{nl.join(xsets)}
      {zero}
      (local.set $kw {get("w0")})
      {loop("k", get("kb"), 4 * UNROLL, nl.join(inner))}
      {nl.join(stores)}
      (local.set $r (i32.add {get("r")} (i32.const {rows})))"""

    # weights: per group of 4 outputs, per pair of inputs, 8 int16 [o k, o k+1, o+1 k, ...]: n_in * 8 bytes a group
    # $w0: this step's first group; $w1.. are the other groups' distances from it
    wsets = [
        f"(local.set $w0 (i32.add {get('w')} (i32.mul (i32.shr_u {get('o')} (i32.const 2)) {get('gb')})))"
    ]
    distances = "\n".join(f"(local.set $w{g} (i32.mul {get('gb')} (i32.const {g})))" for g in range(1, G))
    params = []
    for g in range(G):
        at = f"(i32.shl (i32.add {get('o')} (i32.const {4 * g})) (i32.const 2))"
        params.append(f"(local.set $wsv{g} (v128.load (i32.add {get('ws')} {at})))")
        params.append(f"(local.set $bv{g} (v128.load (i32.add {get('b')} {at})))")
    nl = "\n"
    # the 0 .. R-1 rows left: one step of exactly that many (the first size that fits)
    left = f"(i32.sub {get('rows')} {get('r')})"
    tails = [f"(if (i32.ge_u {left} (i32.const {n})) (then {row_block(n)}))" for n in range(R - 1, 0, -1)]
    out_block = f"""{nl.join(wsets)}
    {nl.join(params)}
    (local.set $r (i32.const 0))
    (block $done_full (loop $next_full
      (br_if $done_full (i32.gt_u (i32.add {get("r")} (i32.const {R})) {get("rows")}))
      {row_block(R)}
      (br $next_full)))
    {nl.join(tails)}"""
    locals_i = (
        " ".join(f"(local $x{r} i32)" for r in range(R))
        + " "
        + " ".join(f"(local $w{g} i32)" for g in range(G))
    )
    locals_v = " ".join(f"(local ${a} v128)" for row in acc for a in row)
    locals_v += " " + " ".join(
        f"(local $wv{g} v128) (local $wsv{g} v128) (local $bv{g} v128)" for g in range(G)
    )
    return f"""(func $linear (export "linear") (param $xq i32) (param $xs i32) (param $w i32) (param $ws i32) (param $b i32)
    (param $y i32) (param $res i32) (param $rows i32) (param $n_in i32) (param $n_out i32) (param $residual i32)
  ;; y[r, o] = sum_k xq[r, k] w[o, k] * xs[r] * ws[o] + b[o]  (int16 xq; int16 w interleaved, see pack_weights)
  ;; residual != 0: add res[r, o]; y may be res
  (local $o i32) (local $r i32) (local $k i32) (local $kw i32) (local $kb i32) (local $gb i32) {locals_i}
  {locals_v} (local $xv v128) (local $xsv v128) (local $f v128)
  (local.set $kb (i32.shl {get("n_in")} (i32.const 1)))
  (local.set $gb (i32.shl {get("n_in")} (i32.const 3)))
  {distances}
  {loop("o", get("n_out"), 4 * G, out_block)})"""


def _attention_func(hs: int) -> str:
    m = hs // 4
    head = f"(i32.shl (i32.mul {get('hd')} (i32.const {hs})) (i32.const 2))"

    def row(token: str, part: int) -> str:  # address of head hd of q (0), k (1) or v (2) of a token
        base = f"(i32.add {get('qkv')} (i32.mul (i32.add {get('start')} {token}) {get('stride')}))"
        return f"(i32.add (i32.add {base} (i32.mul {get('h4')} (i32.const {part}))) {head})"

    qload = "\n".join(
        f"(local.set $q{i} (f32x4.mul (v128.load offset={16 * i} {get('qp')}) {get('sc')}))" for i in range(m)
    )
    dot = f"(f32x4.mul {get('q0')} (v128.load {get('kp')}))"
    for i in range(1, m):
        dot = f"(f32x4.add {dot} (f32x4.mul {get(f'q{i}')} (v128.load offset={16 * i} {get('kp')})))"
    score = f"""(local.set $kp {row(get("j"), 1)})
        (local.set $hv {dot})
        (local.set $s {hsum("hv")})
        (f32.store (i32.add {get("scr")} (i32.shl {get("j")} (i32.const 2))) {get("s")})
        (local.set $mx (f32.max {get("mx")} {get("s")}))"""
    shifted = f"(f32x4.sub (v128.load (i32.add {get('scr')} (i32.shl {get('j')} (i32.const 2)))) (f32x4.splat {get('mx')}))"
    expo = f"""{exp_into("e", shifted)}
        (v128.store (i32.add {get("scr")} (i32.shl {get("j")} (i32.const 2))) {get("e")})
        (local.set $sum (f32x4.add {get("sum")} {get("e")}))"""
    zero = "\n".join(f"(local.set $c{i} (v128.const i32x4 0 0 0 0))" for i in range(m))
    pv = "\n".join(
        f"(local.set $c{i} (f32x4.add {get(f'c{i}')} (f32x4.mul {get('p')} (v128.load offset={16 * i} {get('vp')}))))"
        for i in range(m)
    )
    weigh = f"""(local.set $p (v128.load32_splat (i32.add {get("scr")} (i32.shl {get("j")} (i32.const 2)))))
        (local.set $vp {row(get("j"), 2)})
        {pv}"""
    cp = f"(i32.add (i32.add {get('ctx')} (i32.mul (i32.add {get('start')} {get('i')}) {get('h4')})) {head})"
    store = "\n".join(
        f"(v128.store offset={16 * i} {get('cp')} (f32x4.mul {get(f'c{i}')} {get('inv')}))" for i in range(m)
    )
    query = f"""(local.set $qp {row(get("i"), 0)})
      {qload}
      (local.set $mx (f32.const -inf))
      {loop("j", get("len"), 1, score)}
      (v128.store (i32.add {get("scr")} (i32.shl {get("len")} (i32.const 2))) {f4(float("-inf"))})
      (local.set $sum (v128.const i32x4 0 0 0 0))
      {loop("j", get("len"), 4, expo)}
      (local.set $inv (f32x4.splat (f32.div (f32.const 1) {hsum("sum")})))
      {zero}
      {loop("j", get("len"), 1, weigh)}
      (local.set $cp {cp})
      {store}"""
    seq = f"""(local.set $start (i32.load (i32.add {get("seqs")} (i32.shl {get("s_i")} (i32.const 3)))))
  (local.set $len (i32.load offset=4 (i32.add {get("seqs")} (i32.shl {get("s_i")} (i32.const 3)))))
  {loop("hd", get("heads"), 1, loop("i", get("len"), 1, query))}"""
    locals_v = " ".join(f"(local $q{i} v128) (local $c{i} v128)" for i in range(m))
    return f"""(func $attention (export "attention") (param $qkv i32) (param $ctx i32) (param $seqs i32) (param $n_seqs i32)
    (param $heads i32) (param $scale f32) (param $scr i32)
  ;; qkv: packed tokens, each row [q | k | v] of heads x {hs} float32; seqs: (start, length) int32 pairs;
  ;; ctx row t = softmax(q_t k_s^T * scale over the tokens s of t's sequence) v_s, per head.
  ;; scr: room for the longest sequence's scores plus 4 floats.
  (local $s_i i32) (local $start i32) (local $len i32) (local $hd i32) (local $i i32) (local $j i32)
  (local $h4 i32) (local $stride i32) (local $qp i32) (local $kp i32) (local $vp i32) (local $cp i32)
  (local $s f32) (local $mx f32) (local $sc v128) (local $e v128) (local $hv v128) {EXP_TEMPS} (local $sum v128) (local $inv v128) (local $p v128)
  {locals_v}
  (local.set $h4 (i32.shl (i32.mul {get("heads")} (i32.const {hs})) (i32.const 2)))
  (local.set $stride (i32.mul {get("h4")} (i32.const 3)))
  (local.set $sc (f32x4.splat {get("scale")}))
  {loop("s_i", get("n_seqs"), 1, seq)})"""


def _gelu_func(unroll: int = 2) -> str:
    """GELU over a whole buffer, `unroll` independent vectors per turn: as a separate pass it
    runs at the arithmetic's throughput; inside `linear`'s epilogue its long dependency
    chain (a division, two polynomials) stalled the products (measured: 1.7x the time)."""
    body = []
    for u in range(unroll):
        body.append(f"(local.set $v{u} (v128.load offset={16 * u} (i32.add {get('x')} {get('k')})))")
    for u in range(unroll):
        body.append(gelu_in_place(f"v{u}").replace("$g", f"$g{u}").replace("$e", f"$e{u}"))
    for u in range(unroll):
        body.append(f"(v128.store offset={16 * u} (i32.add {get('x')} {get('k')}) {get(f'v{u}')})")
    nl = "\n"
    temps = " ".join(
        GELU_TEMPS.replace("$g", f"$g{u}").replace("$e", f"$e{u}") + f" (local $v{u} v128)"
        for u in range(unroll)
    )
    return f"""(func $gelu (export "gelu") (param $x i32) (param $n i32)
  ;; in place on n float32 (n a multiple of {4 * unroll})
  (local $k i32) (local $nb i32) {temps}
  (local.set $nb (i32.shl {get("n")} (i32.const 2)))
  {loop("k", get("nb"), 16 * unroll, nl.join(body))})"""


def _layer_norm_func() -> str:
    at = f"(i32.add {get('p')} {get('k')})"
    total = f"(local.set $acc (f32x4.add {get('acc')} (v128.load {at})))"
    square = (
        f"(local.set $d (f32x4.sub (v128.load {at}) {get('mean')}))\n"
        f"(local.set $acc (f32x4.add {get('acc')} (f32x4.mul {get('d')} {get('d')})))"
    )
    scale = (
        f"(v128.store {at} (f32x4.add (f32x4.mul (f32x4.mul (f32x4.sub (v128.load {at}) {get('mean')}) {get('inv')})"
        f" (v128.load (i32.add {get('w')} {get('k')}))) (v128.load (i32.add {get('b')} {get('k')}))))"
    )
    row = f"""(local.set $p (i32.add {get("x")} (i32.mul {get("r")} {get("nb")})))
  (local.set $acc (v128.const i32x4 0 0 0 0))
  {loop("k", get("nb"), 16, total)}
  (local.set $mean (f32x4.splat (f32.div {hsum("acc")} {get("nf")})))
  (local.set $acc (v128.const i32x4 0 0 0 0))
  {loop("k", get("nb"), 16, square)}
  (local.set $inv (f32x4.splat (f32.div (f32.const 1)
    (f32.sqrt (f32.add (f32.div {hsum("acc")} {get("nf")}) {get("eps")})))))
  {loop("k", get("nb"), 16, scale)}"""
    return f"""(func $layer_norm (export "layer_norm") (param $x i32) (param $w i32) (param $b i32) (param $rows i32) (param $n i32)
    (param $eps f32)
  ;; in place: x = (x - mean) / sqrt(var + eps) * w + b, per row of n float32
  (local $r i32) (local $k i32) (local $nb i32) (local $p i32) (local $nf f32)
  (local $acc v128) (local $d v128) (local $mean v128) (local $inv v128)
  (local.set $nb (i32.shl {get("n")} (i32.const 2)))
  (local.set $nf (f32.convert_i32_u {get("n")}))
  {loop("r", get("rows"), 1, row)})"""


def _mean_pool_func() -> str:
    """Per sequence: the mean of its tokens' rows, scaled to unit length (as numpy_backend's
    mean_pool_normalize), so one vector a sentence leaves the module instead of every token."""
    at = (
        f"(i32.add (i32.add {get('x')} (i32.mul (i32.add {get('start')} {get('t')}) {get('nb')})) {get('k')})"
    )
    total = f"(local.set $acc (f32x4.add {get('acc')} (v128.load {at})))"
    dst = f"(i32.add {get('row')} {get('k')})"
    column = f"""(local.set $acc (v128.const i32x4 0 0 0 0))
    {loop("t", get("len"), 1, total)}
    (v128.store {dst} (f32x4.mul {get("acc")} {get("inv")}))"""
    square = f"(local.set $acc (f32x4.add {get('acc')} (f32x4.mul (v128.load {dst}) (v128.load {dst}))))"
    scale = f"(v128.store {dst} (f32x4.mul (v128.load {dst}) {get('inv')}))"
    seq = f"""(local.set $start (i32.load (i32.add {get("seqs")} (i32.shl {get("s_i")} (i32.const 3)))))
  (local.set $len (i32.load offset=4 (i32.add {get("seqs")} (i32.shl {get("s_i")} (i32.const 3)))))
  (local.set $row (i32.add {get("out")} (i32.mul {get("s_i")} {get("nb")})))
  (local.set $inv (f32x4.splat (f32.div (f32.const 1) (f32.convert_i32_u {get("len")}))))
  {loop("k", get("nb"), 16, column)}
  (local.set $acc (v128.const i32x4 0 0 0 0))
  {loop("k", get("nb"), 16, square)}
  (local.set $inv (f32x4.splat (f32.div (f32.const 1) (f32.max (f32.sqrt {hsum("acc")}) (f32.const 1e-12)))))
  {loop("k", get("nb"), 16, scale)}"""
    return f"""(func $mean_pool (export "mean_pool") (param $x i32) (param $out i32) (param $seqs i32) (param $n_seqs i32)
    (param $h i32)
  ;; out row s = the unit-length mean of x's rows start .. start + len of sequence s (seqs: (start, len) int32 pairs)
  (local $s_i i32) (local $start i32) (local $len i32) (local $t i32) (local $k i32) (local $nb i32) (local $row i32)
  (local $acc v128) (local $inv v128)
  (local.set $nb (i32.shl {get("h")} (i32.const 2)))
  {loop("s_i", get("n_seqs"), 1, seq)})"""


# The encoder's layer table: per layer, these int32 offsets in this order (WasmBackend writes it).
LAYER_FIELDS = (
    "qkv.w", "qkv.scale", "qkv.bias",
    "attn_out.w", "attn_out.scale", "attn_out.bias",
    "attn_norm.w", "attn_norm.b",
    "ffn_in.w", "ffn_in.scale", "ffn_in.bias",
    "ffn_out.w", "ffn_out.scale", "ffn_out.bias",
    "ffn_norm.w", "ffn_norm.b",
)  # fmt: skip


def _encoder_func() -> str:
    """The whole forward pass of a packed batch in one call: from JavaScript each export call
    costs ~5 us and Python more around it, ~75 of them a sentence; inside the module a call
    is a jump."""
    field = {name: 4 * i for i, name in enumerate(LAYER_FIELDS)}

    def at(name: str) -> str:
        return f"(i32.load offset={field[name]} {get('t')})"

    def linear(prefix: str, src: str, dst: str, n_in: str, n_out: str, qmax: str, residual: int) -> str:
        return f"""(call $quantize {get(src)} {get("xq")} {get("xs")} {get("tokens")} {get(n_in)} {get(qmax)})
    (call $linear {get("xq")} {get("xs")} {at(prefix + ".w")} {at(prefix + ".scale")} {at(prefix + ".bias")}
      {get(dst)} {get(dst)} {get("tokens")} {get(n_in)} {get(n_out)} (i32.const {residual}))"""

    def norm(prefix: str) -> str:
        return f"(call $layer_norm {get('x')} {at(prefix + '.w')} {at(prefix + '.b')} {get('tokens')} {get('h')} {get('eps')})"

    layer = f"""(local.set $t (i32.add {get("table")} (i32.mul {get("l")} (i32.const {4 * len(LAYER_FIELDS)}))))
    {linear("qkv", "x", "qkv", "h", "h3", "qmax_h", 0)}
    (call $attention {get("qkv")} {get("ctx")} {get("seqs")} {get("n_seqs")} {get("heads")} {get("scale")} {get("scores")})
    {linear("attn_out", "ctx", "x", "h", "h", "qmax_h", 1)}
    {norm("attn_norm")}
    {linear("ffn_in", "x", "inner", "h", "f", "qmax_h", 0)}
    (call $gelu {get("inner")} (i32.mul {get("tokens")} {get("f")}))
    {linear("ffn_out", "inner", "x", "f", "h", "qmax_f", 1)}
    {norm("ffn_norm")}"""
    return f"""(func (export "encoder") (param $x i32) (param $qkv i32) (param $ctx i32) (param $inner i32)
    (param $xq i32) (param $xs i32) (param $seqs i32) (param $scores i32) (param $tokens i32) (param $n_seqs i32)
    (param $h i32) (param $f i32) (param $heads i32) (param $scale f32) (param $eps f32) (param $qmax_h f32)
    (param $qmax_f f32) (param $table i32) (param $n_layers i32) (param $norm_w i32) (param $norm_b i32)
    (param $pooled i32)
  ;; x: the token embeddings of a packed batch (tokens x h float32) -> the last hidden states, in place:
  ;; layer norm, then per layer (offsets in the table at LAYER_FIELDS) attention and the feed-forward
  ;; block, each linear after quantizing its input; then pooled: one unit vector (h float32) per sequence.
  ;; The other buffers are workspace (WasmBackend._workspace)
  (local $l i32) (local $t i32) (local $h3 i32)
  (local.set $h3 (i32.mul {get("h")} (i32.const 3)))
  (call $layer_norm {get("x")} {get("norm_w")} {get("norm_b")} {get("tokens")} {get("h")} {get("eps")})
  {loop("l", get("n_layers"), 1, layer)}
  (call $mean_pool {get("x")} {get("pooled")} {get("seqs")} {get("n_seqs")} {get("h")}))"""


def wat(rows: int = ROWS, groups: int = GROUPS, head_size: int = HEAD_SIZE) -> str:
    """The module's text: `rows` rows per step in `linear`, attention heads of `head_size`."""
    parts = [
        '(memory (export "memory") 1)',
        _quantize_func(),
        _linear_func(rows, groups),
        _attention_func(head_size),
        _gelu_func(),
        _layer_norm_func(),
        _mean_pool_func(),
        _encoder_func(),
    ]
    return "(module\n" + "\n".join(parts) + "\n)\n"
