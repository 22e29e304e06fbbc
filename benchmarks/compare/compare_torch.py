#!/usr/bin/python3
"""The PyTorch side of benchmarks/compare (run by run.sh; see docs/benchmarks.md).

Same workloads as compare_dualspike, written the way a PyTorch user would: the IF step
the SpikingJelly way and in the best in-place forms we found, Net1 training with Adam,
Net1 SNN inference with the weights dualspike saved (safetensors, read here with json +
struct + torch.frombuffer), batch-1 streaming with nn.Linear and with torch.addmv.
Writes flat JSON records (group, case, impl, threads, metric, value, ...).

Needs Debian's python3-torch mapped to OpenBLAS (run.sh sets LD_LIBRARY_PATH); refuses to
run on the reference BLAS unless --allow-reference-blas.
"""
import argparse
import gzip
import json
import os
import re
import struct
import sys
import time

import numpy as np
import torch
from torch import nn

VTH = 1.0  # Net1's stReLU threshold (Vth = 1 in every hidden layer)


# ---------------------------------------------------------------- environment, data, weights
def loaded_libraries(pattern=r"blas|lapack|mkl|gomp|iomp|dnnl"):
    """Shared objects of this process whose file name matches `pattern` (from /proc/self/maps)."""
    libs = set()
    with open("/proc/self/maps") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 6 and re.search(pattern, os.path.basename(parts[5])):
                libs.add(parts[5])
    return sorted(libs)


def gemm_gflops(threads, n=1024, reps=5):
    torch.set_num_threads(threads)
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(reps))
    return 2 * n ** 3 / best / 1e9


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def read_idx(path):
    for p in (path, path + ".gz"):
        if os.path.isfile(p):
            with (gzip.open(p, "rb") if p.endswith(".gz") else open(p, "rb")) as f:
                data = f.read()
            break
    else:
        sys.exit(f"compare_torch: {path}[.gz] not found (run scripts/setup.sh)")
    magic, n = struct.unpack(">II", data[:8])
    if magic == 2051:
        rows, cols = struct.unpack(">II", data[8:16])
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows * cols)
    if magic == 2049:
        return np.frombuffer(data, dtype=np.uint8, offset=8)
    sys.exit(f"compare_torch: {path}: unknown IDX magic {magic}")


def load_mnist(data_dir, split):
    prefix = "train" if split == "train" else "t10k"
    x = read_idx(os.path.join(data_dir, f"{prefix}-images-idx3-ubyte"))
    y = read_idx(os.path.join(data_dir, f"{prefix}-labels-idx1-ubyte"))
    # Same scaling as dualspike (float(pixel) / 255.0f, one IEEE division).
    return torch.from_numpy(x.astype(np.float32) / np.float32(255.0)), torch.from_numpy(y.astype(np.int64))


def load_safetensors(path):
    """{name: tensor} from a safetensors file, without the safetensors package."""
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    dtypes = {"F32": torch.float32, "F64": torch.float64, "F16": torch.float16, "BF16": torch.bfloat16}
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        buf = bytearray(data[8 + n + begin:8 + n + end])
        tensors[name] = torch.frombuffer(buf, dtype=dtypes[info["dtype"]]).reshape(info["shape"]).float()
    return tensors


def net1():
    """Net1 (784-1200-1200-10); stReLU = clip(x, -Vth, Vth) = Hardtanh(-Vth, Vth)."""
    return nn.Sequential(nn.Linear(784, 1200), nn.Hardtanh(-VTH, VTH), nn.Linear(1200, 1200),
                         nn.Hardtanh(-VTH, VTH), nn.Linear(1200, 10))


# ---------------------------------------------------------------- IF step variants
def if_natural(v, x, vth=VTH):
    """SpikingJelly's IF node with a second, negative threshold: charge, fire, soft reset."""
    v = v + x
    spike_pos = (v >= vth).to(x.dtype)
    spike_neg = (v <= -vth).to(x.dtype)
    v = v - vth * spike_pos + vth * spike_neg
    return v, spike_pos - spike_neg


def make_if_masks(n):
    """In place with preallocated buffers: comparisons into bool masks, spikes by masked fill."""
    pos, neg = torch.empty(n, dtype=torch.bool), torch.empty(n, dtype=torch.bool)

    def step(v, x, out, vth=VTH):
        v.add_(x)
        torch.ge(v, vth, out=pos)
        torch.le(v, -vth, out=neg)
        out.zero_()
        out.masked_fill_(pos, vth)
        out.masked_fill_(neg, -vth)
        v.sub_(out)
    return step


def if_clamp_trunc(v, x, out, vth=VTH):
    """In place, fewest passes: for Vth = 1, spike = trunc(clamp(V, -1, 1)) is exactly the
    dual-threshold rule (+1 iff V >= 1, -1 iff V <= -1, else 0), and V -= spike is the soft reset."""
    assert vth == 1.0
    v.add_(x)
    torch.clamp(v, -1.0, 1.0, out=out)
    out.trunc_()
    v.sub_(out)


def make_if_jit():
    """TorchScript of the natural form with the CPU fuser (NNC) enabled, if this build has it."""
    torch._C._jit_override_can_fuse_on_cpu(True)
    torch._C._jit_set_texpr_fuser_enabled(True)

    @torch.jit.script
    def step(v, x, vth: float):
        v = v + x
        spike_pos = (v >= vth).to(x.dtype)
        spike_neg = (v <= -vth).to(x.dtype)
        v = v - vth * spike_pos + vth * spike_neg
        return v, spike_pos - spike_neg
    return step


def ramp(n):
    i = torch.arange(n, dtype=torch.int64)
    return 0.7 * ((i % 97) - 48).to(torch.float32) / 48.0


def check_if_variants():
    """Every variant gives the scalar rule's spikes and potentials (random inputs, 20 steps)."""
    g = torch.Generator().manual_seed(0)
    n = 10007
    xs = [torch.randn(n, generator=g) * 1.3 for _ in range(20)]
    v_ref = [0.0] * n
    ref = []
    for x in xs:
        s = []
        for i, xi in enumerate(x.tolist()):
            vi = np.float32(v_ref[i]) + np.float32(xi)
            if vi >= 1.0:
                s.append(1.0); vi = np.float32(vi - np.float32(1.0))
            elif vi <= -1.0:
                s.append(-1.0); vi = np.float32(vi + np.float32(1.0))
            else:
                s.append(0.0)
            v_ref[i] = vi
        ref.append(torch.tensor(s))
    v_end = torch.tensor(np.array(v_ref, dtype=np.float32))
    masks = make_if_masks(n)
    variants = {"natural": None, "masks": masks, "clamp+trunc": if_clamp_trunc}
    ok = {}
    for name, fn in variants.items():
        v, out = torch.zeros(n), torch.empty(n)
        good = True
        for x, r in zip(xs, ref):
            if fn is None:
                v, out = if_natural(v, x)
            else:
                fn(v, x, out)
            good &= torch.equal(out, r)
        ok[name] = bool(good and torch.equal(v, v_end))
    return ok


# ---------------------------------------------------------------- SNN (same model as dualspike)
@torch.inference_mode()
def snn_predict_batched(layers, x, T):
    """x: batch x 784. First layer's current once; V(0) = 0; spikes x Vth into the next
    Linear (bias every step); output integrated; argmax of the integrated output."""
    l1, l2, l3 = layers
    i1 = l1(x)
    v1, v2 = torch.zeros_like(i1), torch.zeros(x.shape[0], l2.out_features)
    s1, s2 = torch.empty_like(v1), torch.empty_like(v2)
    u = torch.zeros(x.shape[0], l3.out_features)
    for _ in range(T):
        if_clamp_trunc(v1, i1, s1)          # s1 = spikes x Vth (Vth = 1)
        if_clamp_trunc(v2, l2(s1), s2)
        u.add_(l3(s2))
    return u.argmax(dim=1)


@torch.inference_mode()
def snn_stream_linear(layers, x, T):
    """Batch 1 with nn.Linear modules: x is 1 x 784."""
    l1, l2, l3 = layers
    i1 = l1(x)
    v1, v2 = torch.zeros_like(i1), torch.zeros(1, l2.out_features)
    s1, s2 = torch.empty_like(v1), torch.empty_like(v2)
    u = torch.zeros(1, l3.out_features)
    for _ in range(T):
        if_clamp_trunc(v1, i1, s1)
        if_clamp_trunc(v2, l2(s1), s2)
        u.add_(l3(s2))
    return int(u.argmax())


class AddmvSnn:
    """Batch 1 with hand-written torch.addmv on 1-D tensors and preallocated buffers."""

    def __init__(self, layers):
        self.w = [l.weight.detach().contiguous() for l in layers]
        self.b = [l.bias.detach().contiguous() for l in layers]
        h1, h2, o = (w.shape[0] for w in self.w)
        self.i1, self.i2, self.y = torch.empty(h1), torch.empty(h2), torch.empty(o)
        self.v1, self.v2, self.s1, self.s2 = torch.empty(h1), torch.empty(h2), torch.empty(h1), torch.empty(h2)
        self.u = torch.empty(o)

    @torch.inference_mode()
    def predict(self, x, T):
        w, b = self.w, self.b
        torch.addmv(b[0], w[0], x, out=self.i1)
        self.v1.zero_(); self.v2.zero_(); self.u.zero_()
        for _ in range(T):
            if_clamp_trunc(self.v1, self.i1, self.s1)
            torch.addmv(b[1], w[1], self.s1, out=self.i2)
            if_clamp_trunc(self.v2, self.i2, self.s2)
            torch.addmv(b[2], w[2], self.s2, out=self.y)
            self.u.add_(self.y)
        return int(self.u.argmax())

    @torch.inference_mode()
    def predict_ann(self, x):
        w, b = self.w, self.b
        torch.addmv(b[0], w[0], x, out=self.i1).clamp_(-VTH, VTH)
        torch.addmv(b[1], w[1], self.i1, out=self.i2).clamp_(-VTH, VTH)
        return int(torch.addmv(b[2], w[2], self.i2, out=self.y).argmax())


# ---------------------------------------------------------------- training, output
def train_epoch(model, x, y, lr=1e-3, batch=128):
    """One epoch of Adam (constant lr) with cross-entropy on shuffled batches of (x, y), the
    way a PyTorch user writes it. Returns (seconds, training accuracy)."""
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    t0 = time.perf_counter()
    perm = torch.randperm(len(y))
    correct = 0
    for i in range(0, len(y), batch):
        idx = perm[i:i + batch]
        xb, yb = x[idx], y[idx]
        logits = model(xb)
        loss = loss_fn(logits, yb)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        correct += int((logits.argmax(1) == yb).sum())
    return time.perf_counter() - t0, correct / len(y)


def write_json(doc, path):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1)
    print(f"wrote {path}")


# ---------------------------------------------------------------- main
class Recorder:
    def __init__(self):
        self.records = []

    def add(self, group, case, impl, threads, metric, value, **extra):
        r = dict(group=group, case=case, impl=impl, threads=threads, metric=metric, value=value, **extra)
        self.records.append(r)
        print(f"  {group:<10} {case:<28} {impl:<22} threads={threads}  {value:12.4g} {metric}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data-dir", default="data/mnist")
    ap.add_argument("--weights", required=True, help="Net1 safetensors (state_dict names) for the inference cases")
    ap.add_argument("--out", default="out/compare/torch.json")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--phases", default="if,train,infer,streaming")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--allow-reference-blas", action="store_true")
    args = ap.parse_args()
    train_images, test_images, stream_images, reps = (10000, 2000, 100, 2) if args.quick else (60000, 10000, 1000, 5)
    rec = Recorder()
    torch.manual_seed(0)

    blas = [l for l in loaded_libraries() if re.search(r"blas|lapack|mkl", os.path.basename(l))]
    print(f"torch {torch.__version__} (python {sys.version.split()[0]}, {sys.executable})")
    print("BLAS mapped by this process (/proc/self/maps):")
    for lib in blas:
        print(f"  {lib} -> {os.path.realpath(lib)}")
    uses_openblas = any("openblas" in os.path.realpath(l) or "mkl" in l for l in blas)
    if not uses_openblas and not args.allow_reference_blas:
        sys.exit("compare_torch: torch did not map OpenBLAS/MKL (reference BLAS, ~4 GFLOP/s): a comparison against "
                 "it is invalid. Install libopenblas0-openmp and set LD_LIBRARY_PATH to its openblas-openmp folder "
                 "(benchmarks/compare/run.sh does both).")
    gflops = {t: gemm_gflops(t) for t in sorted({1, args.threads})}
    print("sgemm 1024^3: " + ", ".join(f"{v:.1f} GFLOP/s on {t} thread(s)" for t, v in gflops.items()))
    has = lambda p: p in args.phases.split(",")

    jit_note = "not run"
    if has("if"):
        ok = check_if_variants()
        print(f"[if] variants reproduce the scalar rule: {ok}")
        if not all(ok.values()):
            sys.exit("compare_torch: an IF variant disagrees with the scalar rule")
        try:
            jit_step = make_if_jit()
            v, out = jit_step(torch.zeros(100), torch.ones(100) * 1.5, VTH)
            for _ in range(3):  # profiling runs, then the fused graph
                v, out = jit_step(v, torch.ones(100) * 1.5, VTH)
        except Exception as e:  # noqa: BLE001 - report and go on without it
            print(f"[if] TorchScript variant unavailable: {e}")
            jit_step, jit_note = None, f"unavailable: {e}"
        else:
            jit_note = "measured"
        for n in (1_000_000, 10_000_000):
            x = ramp(n)
            for t in sorted({1, args.threads}):
                torch.set_num_threads(t)
                masks = make_if_masks(n)
                out = torch.empty(n)
                state = {"v": torch.zeros(n)}

                def natural():
                    state["v"], _ = if_natural(state["v"], x)

                def jit():
                    state["v"], _ = jit_step(state["v"], x, VTH)
                variants = [("torch natural", natural),
                            ("torch in-place masks", lambda: masks(state["v"], x, out)),
                            ("torch in-place clamp+trunc", lambda: if_clamp_trunc(state["v"], x, out))]
                if jit_step is not None:
                    variants.append(("torch jit (TorchScript)", jit))
                for name, fn in variants:
                    state["v"] = torch.zeros(n)
                    once = min(_timed(fn) for _ in range(3))
                    steps = max(3, int(0.2 / max(once, 1e-9)))
                    best = min(_timed(lambda: [fn() for _ in range(steps)]) / steps for _ in range(reps))
                    rec.add("if_step", f"N={n}", name, t, "GB/s", 16 * n / best / 1e9, n=n,
                            ns_per_neuron=best / n * 1e9)

    if has("train"):
        torch.set_num_threads(args.threads)
        x, y = load_mnist(args.data_dir, "train")
        x, y = x[:train_images], y[:train_images]
        print(f"[train] Net1, 1 epoch, {len(y)} images, batch 128, Adam lr 1e-3")
        torch.manual_seed(1)
        dt, acc = train_epoch(net1(), x, y)
        rec.add("train", "Net1 epoch", "torch", args.threads, "images/s", len(y) / dt, images=len(y), seconds=dt,
                train_accuracy=acc)

    if has("infer") or has("streaming"):
        x_test, y_test = load_mnist(args.data_dir, "test")
        x_test, y_test = x_test[:test_images], y_test[:test_images]
        model = net1()
        model.load_state_dict(load_safetensors(args.weights))
        model.eval()
        layers = (model[0], model[2], model[4])
        print(f"[weights] {args.weights}")

    if has("infer"):
        torch.set_num_threads(args.threads)
        print(f"[infer] {len(y_test)} MNIST test images")
        with torch.inference_mode():
            best, pred = 1e30, None
            for _ in range(3):
                t0 = time.perf_counter()
                pred = torch.cat([model(x_test[i:i + 1000]).argmax(1) for i in range(0, len(y_test), 1000)])
                best = min(best, time.perf_counter() - t0)
        rec.add("ann", "Net1", "torch", args.threads, "images/s", len(y_test) / best, batch=1000,
                accuracy=float((pred == y_test).float().mean()), seconds=best)
        # The clamp+trunc IF must give the same predictions as the natural form on real data.
        with torch.inference_mode():
            xb = x_test[:500]
            i1 = layers[0](xb)
            v1, v2, u = torch.zeros_like(i1), torch.zeros(len(xb), 1200), torch.zeros(len(xb), 10)
            for _ in range(3):
                v1, s1 = if_natural(v1, i1)
                v2, s2 = if_natural(v2, layers[1](s1 * VTH))
                u = u + layers[2](s2 * VTH)
            same = torch.equal(u.argmax(1), snn_predict_batched(layers, xb, 3))
        print(f"[infer] natural and in-place IF give identical SNN predictions: {same}")
        if not same:
            sys.exit("compare_torch: the in-place IF changed the SNN's predictions")
        batches = [1000] if args.quick else [1000, 2500, 10000]
        for T in (3, 32):
            results = {}
            for bs in (batches if T == 3 else [best_batch]):
                reps_T = 3 if T <= 8 else (1 if args.quick else 2)
                best = 1e30
                for _ in range(reps_T):
                    t0 = time.perf_counter()
                    pred = torch.cat([snn_predict_batched(layers, x_test[i:i + bs], T)
                                      for i in range(0, len(y_test), bs)])
                    best = min(best, time.perf_counter() - t0)
                results[bs] = (best, float((pred == y_test).float().mean()))
                print(f"    T={T} batch {bs}: {len(y_test) / best:.0f} images/s")
            if T == 3:
                best_batch = min(results, key=lambda b: results[b][0])
            seconds, acc = results[best_batch]
            rec.add("snn", f"Net1 T={T}", "torch", args.threads, "images/s", len(y_test) / seconds, T=T,
                    batch=best_batch, accuracy=acc, seconds=seconds)

    if has("streaming"):
        torch.set_num_threads(1)
        n = min(stream_images, len(y_test))
        print(f"[streaming] batch 1, 1 thread, first {n} test images")
        rows = [x_test[j:j + 1].clone() for j in range(n)]
        vecs = [x_test[j].clone() for j in range(n)]
        mv = AddmvSnn(layers)
        cases = [
            ("stream_ann", "Net1", "torch nn.Linear", lambda j: int(model(rows[j]).argmax())),
            ("stream_ann", "Net1", "torch addmv", lambda j: mv.predict_ann(vecs[j])),
            ("stream_snn", "Net1 T=3", "torch nn.Linear", lambda j: snn_stream_linear(layers, rows[j], 3)),
            ("stream_snn", "Net1 T=3", "torch addmv", lambda j: mv.predict(vecs[j], 3)),
        ]
        for group, case, impl, fn in cases:
            best, correct = 1e30, 0
            with torch.inference_mode():
                for j in range(min(n, 20)):  # warm-up
                    fn(j)
                for _ in range(2):
                    t0 = time.perf_counter()
                    correct = sum(fn(j) == int(y_test[j]) for j in range(n))
                    best = min(best, time.perf_counter() - t0)
            extra = {"T": 3} if group == "stream_snn" else {}
            rec.add(group, case, impl, 1, "us/image", best / n * 1e6, images=n, accuracy=correct / n, **extra)

    doc = {"impl": "torch", "quick": args.quick, "threads": args.threads, "torch_version": torch.__version__,
           "blas": [os.path.realpath(l) for l in blas], "sgemm_gflops": gflops, "torchscript_if": jit_note,
           "libraries": loaded_libraries(), "records": rec.records}
    write_json(doc, args.out)


if __name__ == "__main__":
    main()
