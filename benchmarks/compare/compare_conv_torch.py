#!/usr/bin/python3
"""The PyTorch side of benchmarks/compare for the convolutional networks (run by run.sh).

Same workloads as compare_conv: one training epoch (Adam 1e-3, batch 128), ANN inference
and SNN inference on the test set with the weights compare_conv saved. The SNN is the one
dualspike runs (V(0) = 0, IF neurons with thresholds +-Vth and soft reset, spikes x Vth into
the next layer, bias every step, output integrated, prediction = argmax of the integrated
output), written the fastest way we found: the first layer's current once, the IF step in
place as trunc(clamp(V, -1, 1)), every layer batched, the best of a few batch sizes.
Writes flat JSON records (group, case, impl, threads, metric, value, ...).
"""
import argparse
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools"))
from compare_torch import Recorder, train_epoch, write_json  # noqa: E402 (this folder)
from dualspike_torch import build, load_state_dict_file  # noqa: E402
from dualspike_torch.activations import StReLU  # noqa: E402
from dualspike_torch.data import load  # noqa: E402
from dualspike_torch.networks import NETWORKS  # noqa: E402


def segments(model):
    """The model cut at its activations: [first, ..., last] lists of modules; every cut is
    an IF layer in the SNN. Requires Vth = 1 (the in-place IF below)."""
    segs, cur = [], []
    for m in model:
        if isinstance(m, StReLU):
            if m.v_threshold != 1.0:
                sys.exit("compare_conv_torch: the in-place IF assumes Vth = 1")
            segs.append(cur)
            cur = []
        else:
            cur.append(m)
    segs.append(cur)
    return segs


def apply(mods, x):
    for m in mods:
        x = m(x)
    return x


@torch.inference_mode()
def snn_correct_per_step(segs, x, y, T):
    """Correct predictions (argmax of the integrated output) after each of T steps."""
    i0 = apply(segs[0], x)  # the analog input's current, once
    v = [torch.zeros_like(i0)]
    s = [torch.empty_like(i0)]
    u = None
    correct = torch.zeros(T, dtype=torch.int64)
    for t in range(T):
        cur = i0
        for k, seg in enumerate(segs[1:]):
            vk, sk = v[k], s[k]
            vk.add_(cur)
            torch.clamp(vk, -1.0, 1.0, out=sk)
            sk.trunc_()  # +1 iff V >= 1, -1 iff V <= -1 (Vth = 1)
            vk.sub_(sk)  # soft reset
            cur = apply(seg, sk)
            if k + 1 < len(segs) - 1 and len(v) == k + 1:
                v.append(torch.zeros_like(cur))
                s.append(torch.empty_like(cur))
        u = cur.clone() if u is None else u.add_(cur)
        correct[t] = int((u.argmax(1) == y).sum())
    return correct


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--net", choices=["net2", "net4", "net5narrow"], required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--weights", required=True, help="safetensors written by compare_conv")
    ap.add_argument("--time-steps", "-T", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--train-images", type=int, default=60000, help="images of the timed epoch (at most the set's)")
    ap.add_argument("--test-images", type=int, default=10000, help="images of ANN and SNN inference")
    ap.add_argument("--quick", action="store_true", help="at most 5,000 / 1,000 images")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    name = {"net5narrow": "Net5Narrow"}.get(args.net, args.net.capitalize())
    kind = NETWORKS[args.net][1]
    train_images, test_images = args.train_images, args.test_images
    if args.quick:
        train_images, test_images = min(train_images, 5000), min(test_images, 1000)
    rec = Recorder()

    x, y = (torch.from_numpy(a) for a in load(kind, args.data_dir, "train"))
    x, y = x[:train_images], y[:train_images]
    print(f"[train] {name}, 1 epoch, {len(y)} images, batch 128, Adam lr 1e-3")
    torch.manual_seed(1)
    dt, acc = train_epoch(build(args.net), x, y)
    rec.add("train", f"{name} epoch", "torch", args.threads, "images/s", len(y) / dt, images=len(y), seconds=dt,
            train_accuracy=acc)

    xt, yt = (torch.from_numpy(a) for a in load(kind, args.data_dir, "test"))
    xt, yt = xt[:test_images], yt[:test_images]
    model = build(args.net)
    load_state_dict_file(model, args.weights)
    model.eval()
    print(f"[weights] {args.weights}")
    with torch.inference_mode():
        best = 1e30
        for _ in range(3):
            t0 = time.perf_counter()
            pred = torch.cat([model(xt[i:i + 1000]).argmax(1) for i in range(0, len(yt), 1000)])
            best = min(best, time.perf_counter() - t0)
    ann_acc = float((pred == yt).float().mean())
    rec.add("ann", name, "torch", args.threads, "images/s", len(yt) / best, batch=1000, images=len(yt), accuracy=ann_acc, seconds=best)

    segs = segments(model)
    # The batch: fastest of a few on a short run (T = 4, the first 2,000 test images).
    probe = {}
    for bs in ([1000] if args.quick else [250, 1000, 2500]):
        t0 = time.perf_counter()
        for i in range(0, min(2000, len(yt)), bs):
            snn_correct_per_step(segs, xt[i:i + bs], yt[i:i + bs], 4)
        probe[bs] = time.perf_counter() - t0
    batch = min(probe, key=probe.get)
    print(f"[snn] batch {batch} (T = 4 probe: " + ", ".join(f"{b}: {s:.2f} s" for b, s in probe.items()) + ")")

    def timed(T, reps):
        best, corr = 1e30, None
        for _ in range(reps):
            t0 = time.perf_counter()
            corr = sum(snn_correct_per_step(segs, xt[i:i + batch], yt[i:i + batch], T) for i in range(0, len(yt), batch))
            best = min(best, time.perf_counter() - t0)
        return best, (corr.double() / len(yt)).tolist()

    T = args.time_steps
    seconds, curve = timed(T, 2 if T <= 16 else 1)
    rec.add("snn", f"{name} T=paper", "torch", args.threads, "images/s", len(yt) / seconds, T=T, batch=batch,
           accuracy=curve[-1], seconds=seconds)
    within = next((t + 1 for t, a in enumerate(curve) if a >= ann_acc - 0.001), None)
    if within is not None:
        print(f"[snn] smallest T within 0.1 points of the ANN ({100 * ann_acc:.2f}%): {within}")
        s2, c2 = timed(within, 2)
        rec.add("snn", f"{name} T=within 0.1", "torch", args.threads, "images/s", len(yt) / s2, T=within, batch=batch,
               accuracy=c2[-1], seconds=s2)
    doc = {"impl": "torch", "net": name, "quick": args.quick, "threads": args.threads, "torch_version": torch.__version__,
           "ann_accuracy": ann_acc, "snn_accuracy_per_step": curve, "records": rec.records}
    write_json(doc, args.out)


if __name__ == "__main__":
    main()
