"""WGSL compute kernels of the WebGPU backend (the browser compiles them; Python dispatches).

Linear weights stay int8 on the GPU (four per u32, row-major (out, in)) and are
dequantized inside the matmul kernel with one float scale per output row.
"""

# exact GELU through erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7)
_GELU = """
fn gelu(v: f32) -> f32 {
  let z = abs(v) * 0.70710678118654752;
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let erfc = poly * exp(-z * z);
  return max(v, 0.0) - 0.5 * abs(v) * erfc;
}
"""

LINEAR_INT8 = (
    _GELU
    + """
struct Params { rows: u32, n_in: u32, n_out: u32, act: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<u32>;
@group(0) @binding(3) var<storage, read> scale: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<storage, read_write> y: array<f32>;

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let o = g.x;
  let r = g.y;
  if (o >= p.n_out || r >= p.rows) { return; }
  let words = p.n_in / 4u;
  let xb = r * p.n_in;
  let wb = o * words;
  var acc = 0.0;
  for (var k = 0u; k < words; k = k + 1u) {
    let packed = i32(w[wb + k]);
    let xi = xb + 4u * k;
    acc = acc + x[xi] * f32(extractBits(packed, 0u, 8u))
              + x[xi + 1u] * f32(extractBits(packed, 8u, 8u))
              + x[xi + 2u] * f32(extractBits(packed, 16u, 8u))
              + x[xi + 3u] * f32(extractBits(packed, 24u, 8u));
  }
  var v = acc * scale[o] + bias[o];
  if (p.act == 1u) { v = gelu(v); }
  y[r * p.n_out + o] = v;
}
"""
)

# one invocation per (sequence, head, query position); streaming softmax over the keys
# that are not padding (keys j < length of the sequence)
ATTENTION = """
const HS: u32 = {head_size}u;
struct Params { n_seq: u32, seq_len: u32, heads: u32, hidden: u32, scale: f32, _a: u32, _b: u32, _c: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> qkv: array<f32>;
@group(0) @binding(2) var<storage, read> lengths: array<u32>;
@group(0) @binding(3) var<storage, read_write> ctx: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3<u32>) {
  let total = p.n_seq * p.heads * p.seq_len;
  let idx = g.x;
  if (idx >= total) { return; }
  let i = idx % p.seq_len;
  let h = (idx / p.seq_len) % p.heads;
  let b = idx / (p.seq_len * p.heads);
  let len = lengths[b];
  let stride = 3u * p.hidden;
  let qoff = (b * p.seq_len + i) * stride + h * HS;
  var q: array<f32, HS>;
  var acc: array<f32, HS>;
  for (var d = 0u; d < HS; d = d + 1u) { q[d] = qkv[qoff + d] * p.scale; acc[d] = 0.0; }
  var m = -3.0e38;
  var s = 0.0;
  for (var j = 0u; j < len; j = j + 1u) {
    let koff = (b * p.seq_len + j) * stride + p.hidden + h * HS;
    var dot = 0.0;
    for (var d = 0u; d < HS; d = d + 1u) { dot = dot + q[d] * qkv[koff + d]; }
    let m_new = max(m, dot);
    let corr = exp(m - m_new);
    let e = exp(dot - m_new);
    s = s * corr + e;
    let voff = koff + p.hidden;
    for (var d = 0u; d < HS; d = d + 1u) { acc[d] = acc[d] * corr + e * qkv[voff + d]; }
    m = m_new;
  }
  let out = (b * p.seq_len + i) * p.hidden + h * HS;
  for (var d = 0u; d < HS; d = d + 1u) { ctx[out + d] = acc[d] / s; }
}
"""

# sum of one value per invocation over a workgroup of 64 (tree reduction in shared memory)
_REDUCE_SUM = """
var<workgroup> red: array<f32, 64>;

fn reduce_sum(t: u32, v: f32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var step = 32u; step > 0u; step = step / 2u) {
    if (t < step) { red[t] = red[t] + red[t + step]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}
"""

# x = LayerNorm(x + residual), one workgroup of 64 per row
ADD_LAYER_NORM = (
    """
const PER: u32 = {per}u;
struct Params { rows: u32, width: u32, eps: f32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> res: array<f32>;
@group(0) @binding(3) var<storage, read> gamma: array<f32>;
@group(0) @binding(4) var<storage, read> beta: array<f32>;
"""
    + _REDUCE_SUM
    + """
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let r = wg.x;
  let t = lid.x;
  let base = r * p.width;
  var vals: array<f32, PER>;
  var sum = 0.0;
  for (var k = 0u; k < PER; k = k + 1u) {
    let c = t + 64u * k;
    if (c < p.width) { let v = x[base + c] + res[base + c]; vals[k] = v; sum = sum + v; }
  }
  let mean = reduce_sum(t, sum) / f32(p.width);
  var sq = 0.0;
  for (var k = 0u; k < PER; k = k + 1u) {
    let c = t + 64u * k;
    if (c < p.width) { let d = vals[k] - mean; sq = sq + d * d; }
  }
  let inv = inverseSqrt(reduce_sum(t, sq) / f32(p.width) + p.eps);
  for (var k = 0u; k < PER; k = k + 1u) {
    let c = t + 64u * k;
    if (c < p.width) { x[base + c] = (vals[k] - mean) * inv * gamma[c] + beta[c]; }
  }
}
"""
)

# masked mean over each sequence's tokens, then L2 normalisation; a workgroup per sequence
POOL = (
    """
const PER: u32 = {per}u;
struct Params { n_seq: u32, seq_len: u32, hidden: u32, _a: u32 }
@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> lengths: array<u32>;
@group(0) @binding(3) var<storage, read_write> out: array<f32>;
"""
    + _REDUCE_SUM
    + """
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>) {
  let b = wg.x;
  let t = lid.x;
  let len = lengths[b];
  var vals: array<f32, PER>;
  var sq = 0.0;
  for (var k = 0u; k < PER; k = k + 1u) {
    let c = t + 64u * k;
    if (c < p.hidden) {
      var s = 0.0;
      for (var j = 0u; j < len; j = j + 1u) { s = s + x[(b * p.seq_len + j) * p.hidden + c]; }
      let mean = s / f32(max(len, 1u));
      vals[k] = mean;
      sq = sq + mean * mean;
    }
  }
  let inv = 1.0 / max(sqrt(reduce_sum(t, sq)), 1e-12);
  for (var k = 0u; k < PER; k = k + 1u) {
    let c = t + 64u * k;
    if (c < p.hidden) { out[b * p.hidden + c] = vals[k] * inv; }
  }
}
"""
)
