#!/usr/bin/python3
"""Merges compare_dualspike's and compare_torch's records, prints every figure and the
issue-4 targets as ratios (dualspike / PyTorch), and writes results.json and results.csv.

    compare.py out/compare/dualspike.json out/compare/torch.json --out-dir out/compare
"""
import argparse
import csv
import json
import os
import platform
import sys


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def find(records, group, case=None, impl=None, threads=None):
    out = [r for r in records if r["group"] == group and (case is None or r["case"] == case)
           and (impl is None or r["impl"] == impl) and (threads is None or r["threads"] == threads)]
    return out


def one(records, *args, **kw):
    rs = find(records, *args, **kw)
    return rs[0] if rs else None


def markdown(recs, targets, machine, loaded, threads, conv_nets=()):
    """The tables of docs/benchmarks.md for this run."""
    def v(group, case, impl, t=None):
        r = one(recs, group, case, impl, t)
        return r["value"] if r else None

    def f(x, fmt="{:.1f}"):
        return "—" if x is None else fmt.format(x)

    def ratio(a, b):
        return None if a is None or b is None or b == 0 else a / b

    out = []
    state = "**loaded** (figures provisional)" if loaded else "quiet"
    out.append(f"Machine: {machine['cpu']}, {machine['cores']} cores; load average before {machine['load_before']}, "
               f"after {machine['load_after']}: {state}. PyTorch {machine['torch']}, BLAS mapped: "
               f"{', '.join(os.path.basename(b) for b in machine['blas'] or [])} "
               f"(SGEMM {', '.join(f'{g:.0f} GFLOP/s on {t}' for t, g in (machine['sgemm_gflops'] or {}).items())} "
               f"thread(s)). Weights: {machine['weights']}." + (" Quick run (reduced sizes)." if machine['quick'] else ""))
    out.append("")
    out.append("IF step (GB/s at 16 B per neuron and step; triad at 12 B per element):")
    out.append("")
    out.append("| N | threads | STREAM triad | dualspike | % of triad | PyTorch natural | in-place masks | "
               "in-place clamp+trunc | dualspike / best in-place | dualspike / natural |")
    out.append("|---|---|---|---|---|---|---|---|---|---|")
    for n in (1000000, 10000000, 100000000):
        for t in sorted({1, threads}):
            c = f"N={n}"
            if one(recs, "if_step", c, "dualspike", t) is None:
                continue
            tr, d = v("stream", "triad", "dualspike", t), v("if_step", c, "dualspike", t)
            nat, m, ct = (v("if_step", c, i, t) for i in ("torch natural", "torch in-place masks",
                                                           "torch in-place clamp+trunc"))
            best = max([x for x in (m, ct) if x is not None], default=None)
            out.append(f"| {n:.0e}".replace("e+0", "e") + f" | {t} | {f(tr)} | {f(d)} | {f(ratio(d, tr) and 100 * ratio(d, tr), '{:.0f}%')} | "
                       f"{f(nat, '{:.2f}')} | {f(m, '{:.2f}')} | {f(ct, '{:.2f}')} | {f(ratio(d, best), '{:.1f}x')} | "
                       f"{f(ratio(d, nat), '{:.1f}x')} |")
    out.append("")
    out.append(f"Net1 on MNIST, {threads} threads (images/s; accuracy on the same test images with the same weights):")
    out.append("")
    out.append("| workload | dualspike | PyTorch | dualspike / PyTorch | accuracy dualspike | accuracy PyTorch |")
    out.append("|---|---|---|---|---|---|")
    rows = [("training epoch (60k, batch 128, Adam 1e-3)", "train", "Net1 epoch"),
            ("ANN inference (batch 1000)", "ann", "Net1"),
            ("SNN inference T = 3", "snn", "Net1 T=3"), ("SNN inference T = 32", "snn", "Net1 T=32")]
    for label, g, c in rows:
        d, p = one(recs, g, c, "dualspike"), one(recs, g, c, "torch")
        acc = lambda r: f(r.get("accuracy", r.get("train_accuracy")) and 100 * r.get("accuracy", r.get("train_accuracy")),
                          "{:.2f}%") if r else "—"
        if g == "snn" and p:
            label += f" (PyTorch batch {p.get('batch')})"
        out.append(f"| {label} | {f(d and d['value'], '{:.0f}')} | {f(p and p['value'], '{:.0f}')} | "
                   f"{f(ratio(d and d['value'], p and p['value']), '{:.2f}x')} | {acc(d)} | {acc(p)} |")
    out.append("")
    out.append("Streaming, batch 1, 1 thread (µs per image):")
    out.append("")
    out.append("| workload | dualspike | PyTorch nn.Linear | PyTorch addmv | nn.Linear / dualspike | addmv / dualspike |")
    out.append("|---|---|---|---|---|---|")
    for label, g, c in (("ANN", "stream_ann", "Net1"), ("SNN T = 3", "stream_snn", "Net1 T=3")):
        d, l, a = v(g, c, "dualspike"), v(g, c, "torch nn.Linear"), v(g, c, "torch addmv")
        out.append(f"| {label} | {f(d, '{:.0f}')} | {f(l, '{:.0f}')} | {f(a, '{:.0f}')} | {f(ratio(l, d), '{:.1f}x')} | "
                   f"{f(ratio(a, d), '{:.1f}x')} |")
    for c in conv_nets:
        net = c["net"]
        out.append("")
        out.append(f"{net}, {threads} threads (images/s; weights: {c['weights']}):")
        out.append("")
        out.append("| workload | dualspike | PyTorch | dualspike / PyTorch | accuracy dualspike | accuracy PyTorch |")
        out.append("|---|---|---|---|---|---|")
        tr, an = one(recs, "train", f"{net} epoch", "dualspike"), one(recs, "ann", net, "dualspike")
        n_train = f"{tr['images'] // 1000}k" if tr and tr.get("images") else "?"
        n_test = f", {an['images']} test images" if an and an.get("images") and an["images"] != 10000 else ""
        for label, g, case in ((f"training epoch ({n_train}, batch 128, Adam 1e-3)", "train", f"{net} epoch"),
                               (f"ANN inference (batch 1000{n_test})", "ann", net),
                               ("SNN at the paper's T", "snn", f"{net} T=paper"),
                               ("SNN at the smallest T within 0.1 points of the ANN", "snn", f"{net} T=within 0.1")):
            d, p = one(recs, g, case, "dualspike"), one(recs, g, case, "torch")
            acc = lambda r: f(r.get("accuracy", r.get("train_accuracy")) and 100 * r.get("accuracy", r.get("train_accuracy")),
                              "{:.2f}%") if r else "—"
            if g == "snn" and (d or p):
                label += f" (T = {(d or p).get('T')}; PyTorch batch {p.get('batch') if p else '—'})"
            out.append(f"| {label} | {f(d and d['value'], '{:.0f}')} | {f(p and p['value'], '{:.0f}')} | "
                       f"{f(ratio(d and d['value'], p and p['value']), '{:.2f}x')} | {acc(d)} | {acc(p)} |")
    mem = find(recs, "memory")
    if mem:
        out.append("")
        out.append("Peak memory added by one `simulate` call (MiB): " +
                   ", ".join(f"batch {r['batch']} T = {r['T']}: {r['value']:.1f}" for r in mem) + ".")
    out.append("")
    out.append("Targets (issues 4 and 16):")
    out.append("")
    out.append("| target | measured | goal | |")
    out.append("|---|---|---|---|")
    for t in targets:
        status = "n/a" if t["met"] is None else ("met" if t["met"] else "**missed**")
        out.append(f"| {t['target']} ({t['detail']}) | {f(t['value'], '{:.2f}')} | "
                   f"{'<=' if t.get('lower') else '>='} {t['goal']} | {status} |")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dualspike_json")
    ap.add_argument("torch_json")
    ap.add_argument("--out-dir", default="out/compare")
    ap.add_argument("--load-before", default="", help="load average before the run (run.sh passes it)")
    ap.add_argument("--conv", nargs=2, action="append", default=[], metavar=("DUALSPIKE_JSON", "TORCH_JSON"),
                    help="records of compare_conv and compare_conv_torch.py for one network (repeatable)")
    args = ap.parse_args()
    with open(args.dualspike_json) as f:
        ds = json.load(f)
    with open(args.torch_json) as f:
        pt = json.load(f)
    recs = ds["records"] + pt["records"]
    conv_nets = []
    for pair in args.conv:
        docs = []
        for path in pair:
            with open(path) as f:
                docs.append(json.load(f))
        recs += docs[0]["records"] + docs[1]["records"]
        conv_nets.append(dict(net=docs[0]["net"], weights=docs[0].get("weights"),
                              dualspike_curve=docs[0].get("snn_accuracy_per_step"),
                              torch_curve=docs[1].get("snn_accuracy_per_step")))
    threads = ds["threads"]
    load_after = os.getloadavg()

    # ---- all figures
    print("\n=== all measurements ===")
    print(f"{'group':<10} {'case':<14} {'impl':<27} {'thr':>3} {'value':>12}  unit        extra")
    for r in recs:
        extra = {k: v for k, v in r.items() if k not in ("group", "case", "impl", "threads", "metric", "value")}
        extra_s = " ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in extra.items())
        print(f"{r['group']:<10} {r['case']:<14} {r['impl']:<27} {r['threads']:>3} {r['value']:>12.4g}  "
              f"{r['metric']:<11} {extra_s}")

    # ---- targets of issue 4
    targets = []

    def target(name, value, goal, higher_is_better=True, detail=""):
        if value is None:
            targets.append(dict(target=name, value=None, goal=goal, met=None, detail=detail or "not measured"))
            return
        met = value >= goal if higher_is_better else value <= goal
        targets.append(dict(target=name, value=value, goal=goal, met=met, detail=detail, lower=not higher_is_better))

    triad = {t: one(recs, "stream", "triad", "dualspike", t) for t in (1, threads)}
    for n in (1000000, 10000000, 100000000):
        for t in sorted({1, threads}):
            d = one(recs, "if_step", f"N={n}", "dualspike", t)
            if d and triad[t]:
                frac = d["value"] / triad[t]["value"]
                if n >= 10000000 and t == threads:
                    label = "1e7" if n == 10000000 else "1e8 (out of any L3)"
                    target(f"IF step N={label}, {t} thr: dualspike / STREAM triad", frac, 0.8,
                           detail=f"{d['value']:.1f} / {triad[t]['value']:.1f} GB/s")
                print(f"IF step N={n:.0e}, {t} thread(s): {d['value']:.1f} GB/s = {100 * frac:.0f}% of triad "
                      f"({triad[t]['value']:.1f} GB/s)")
    d = one(recs, "if_step", "N=1000000", "dualspike", threads)
    inplace = [r for r in find(recs, "if_step", "N=1000000", threads=threads) if "in-place" in r["impl"]]
    if d and inplace:
        best = max(inplace, key=lambda r: r["value"])
        target(f"IF step N=1e6, {threads} thr: dualspike / PyTorch best in-place", d["value"] / best["value"], 10.0,
               detail=f"{d['value']:.1f} / {best['value']:.2f} GB/s ({best['impl']})")
        nat = one(recs, "if_step", "N=1000000", "torch natural", threads)
        jit = one(recs, "if_step", "N=1000000", "torch jit (TorchScript)", threads)
        info = f"natural {nat['value']:.2f} GB/s" if nat else ""
        if jit:
            info += f", TorchScript {jit['value']:.2f} GB/s (x{d['value'] / jit['value']:.1f})"
        print(f"IF step N=1e6, {threads} threads, PyTorch: {info}; dualspike / natural: "
              f"x{d['value'] / nat['value']:.1f}" if nat else "")

    for T, goal in ((3, 2.0), (32, 5.0)):
        d, p = one(recs, "snn", f"Net1 T={T}", "dualspike"), one(recs, "snn", f"Net1 T={T}", "torch")
        target(f"SNN T={T}, {threads} thr, batched: dualspike / PyTorch images/s",
               d["value"] / p["value"] if d and p else None, goal,
               detail=f"{d['value']:.0f} / {p['value']:.0f} images/s (torch batch {p.get('batch')})" if d and p else "")
    d3, ann = one(recs, "snn", "Net1 T=3", "dualspike"), one(recs, "ann", "Net1", "dualspike")
    target("SNN T=3 time / dualspike ANN time", ann["value"] / d3["value"] if d3 and ann else None, 1.5,
           higher_is_better=False,
           detail=f"ANN {ann['value']:.0f}, SNN {d3['value']:.0f} images/s" if d3 and ann else "")
    ds_s = one(recs, "stream_snn", "Net1 T=3", "dualspike")
    for impl, goal in (("torch nn.Linear", 10.0), ("torch addmv", 2.0)):
        p = one(recs, "stream_snn", "Net1 T=3", impl)
        target(f"streaming T=3, 1 thr: {impl} latency / dualspike latency",
               p["value"] / ds_s["value"] if p and ds_s else None, goal,
               detail=f"{p['value']:.0f} / {ds_s['value']:.0f} us per image" if p and ds_s else "")
    d, p = one(recs, "train", "Net1 epoch", "dualspike"), one(recs, "train", "Net1 epoch", "torch")
    target(f"training epoch, {threads} thr: dualspike / PyTorch images/s", d["value"] / p["value"] if d and p else None,
           1.0, detail=f"{d['value']:.0f} / {p['value']:.0f} images/s" if d and p else "")

    if d3 and ann:
        target("SNN T=3 time / dualspike ANN time (issue 16)", ann["value"] / d3["value"], 1.0, higher_is_better=False,
               detail=f"ANN {ann['value']:.0f}, SNN {d3['value']:.0f} images/s")
    for c in conv_nets:
        net = c["net"]
        for label, g, case, goal in (("SNN at the paper's T", "snn", f"{net} T=paper", 3.0),
                                     ("ANN inference", "ann", net, 1.5), ("training epoch", "train", f"{net} epoch", 1.5)):
            d, p = one(recs, g, case, "dualspike"), one(recs, g, case, "torch")
            t_info = f" at T={d.get('T')}" if d and g == "snn" else ""
            target(f"{net} {label}, {threads} thr: dualspike / PyTorch images/s{t_info}",
                   d["value"] / p["value"] if d and p else None, goal,
                   detail=f"{d['value']:.0f} / {p['value']:.0f} images/s" if d and p else "")

    m3, m32 = one(recs, "memory", "simulate batch 1000 T=3"), one(recs, "memory", "simulate batch 1000 T=32")
    m100 = one(recs, "memory", "simulate batch 100 T=32")
    if m3 and m32:
        target("SNN peak memory (batch 1000): T=32 / T=3", m32["value"] / max(m3["value"], 1e-9), 1.1,
               higher_is_better=False,
               detail=f"{m3['value']:.1f} / {m32['value']:.1f} MiB at T=3 / 32; batch 100, T=32: "
                      f"{m100['value']:.1f} MiB" if m100 else "")

    # ---- accuracy agreement (same weights)
    print("\n=== accuracy, same weights ===")
    agreement = []
    cases = [("ann", "Net1"), ("snn", "Net1 T=3"), ("snn", "Net1 T=32"), ("stream_snn", "Net1 T=3")]
    for c in conv_nets:
        cases += [("ann", c["net"]), ("snn", f"{c['net']} T=paper"), ("snn", f"{c['net']} T=within 0.1")]
    for group, case in cases:
        rs = find(recs, group, case)
        accs = {r["impl"]: r.get("accuracy") for r in rs if r.get("accuracy") is not None}
        if accs:
            spread = max(accs.values()) - min(accs.values())
            agreement.append(dict(group=group, case=case, accuracies=accs, spread=spread))
            print(f"{group:<10} {case:<10} " + "  ".join(f"{k}: {100 * v:.2f}%" for k, v in accs.items())
                  + ("" if spread <= 0.0005 else f"   <-- differ by {100 * spread:.2f} points"))

    print("\n=== targets (ratios dualspike / PyTorch, same machine, same thread count) ===")
    for t in targets:
        v = "n/a" if t["value"] is None else f"{t['value']:.2f}"
        status = "n/a" if t["met"] is None else ("met" if t["met"] else "MISSED")
        print(f"{status:<7} {t['target']:<66} {v:>7} (goal {'<=' if t.get('lower') else '>='} "
              f"{t['goal']})  {t['detail']}")

    machine = dict(cpu=cpu_model(), cores=os.cpu_count(), kernel=platform.release(),
                   load_before=args.load_before, load_after=" ".join(f"{x:.2f}" for x in load_after),
                   torch=pt.get("torch_version"), blas=pt.get("blas"), sgemm_gflops=pt.get("sgemm_gflops"),
                   quick=ds.get("quick"), weights=ds.get("weights"))
    loaded = False
    try:
        loaded = float(args.load_before.split()[0]) >= 0.5 or load_after[0] >= 2.5
    except (ValueError, IndexError):
        pass
    print(f"\nmachine: {machine['cpu']}, {machine['cores']} cores; load before {args.load_before or '?'}, "
          f"after {machine['load_after']}" + ("  -> LOADED machine: figures provisional" if loaded else ""))
    print(f"torch {machine['torch']} BLAS: {', '.join(machine['blas'] or ['?'])}")
    if ds.get("quick"):
        print("quick run: sizes reduced, the figures only show that everything works")

    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "results.md"), "w") as f:
        f.write(markdown(recs, targets, machine, loaded, threads, conv_nets))
    with open(os.path.join(args.out_dir, "results.json"), "w") as f:
        json.dump(dict(machine=machine, loaded=loaded, targets=targets, accuracy=agreement, records=recs,
                       conv_nets=conv_nets), f, indent=1)
    with open(os.path.join(args.out_dir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kind", "group", "case", "impl", "threads", "metric", "value", "goal", "met", "detail"])
        for r in recs:
            w.writerow(["measurement", r["group"], r["case"], r["impl"], r["threads"], r["metric"], r["value"],
                        "", "", r.get("accuracy", "")])
        for t in targets:
            w.writerow(["target", "", t["target"], "", "", "ratio", t["value"], t["goal"], t["met"], t["detail"]])
    print(f"wrote {args.out_dir}/results.json, results.csv and results.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
