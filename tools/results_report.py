#!/usr/bin/python3
"""Writes the generated parts of docs/results.md, its data (docs/data/<run>/) and figures
(docs/figures/) from the runs of scripts/results.sh (out/results/<run>/: the CSVs the
example programs write, log.txt, train_log.txt, run.json). Called by scripts/results.sh;
needs Debian's python3-matplotlib.

Each generated part of docs/results.md sits between the lines
`<!-- BEGIN generated: NAME -->` and `<!-- END generated: NAME -->` and is replaced whole;
the text around them is written by hand.
"""
import argparse
import csv
import datetime
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import plot_accuracy  # noqa: E402
import plot_analysis  # noqa: E402

# The paper's Table 3 (ANN %, SNN %, latency) and Table 5 (OP_ANN in millions, OP_SNN as
# printed - in millions, see the note in docs/results.md -, energies in pJ, ratio).
PAPER_T3 = {"net1_main": (98.29, 98.29, 3), "net2": (99.29, 99.29, 11), "net3": (89.90, 89.92, 11),
            "net4": (90.83, 90.83, 79)}
PAPER_T5 = {"net1_main": (2.39, 1.14, 11.01e6, 0.88e5, 0.80), "net2": (1.41, 1.02, 6.49e6, 0.78e5, 1.20),
            "net3": (5.08, 2.91, 23.38e6, 2.24e5, 0.96), "net4": (4.80, 23.51, 22.06e6, 18.10e5, 8.20)}
TABLE3_RUNS = ("net1_main", "net2", "net3", "net4")  # the runs of Tables 3 and 5, in order
# Table 3's rows over three seeds: the seed-2 run (the programs' default) and its reruns.
SEED_RUNS = {name: (name, f"{name}_s3", f"{name}_s4") for name in TABLE3_RUNS}
NET = {"net1_main": "Net1 (MNIST)", "net2": "Net2 (MNIST)", "net3": "Net3 (Fashion-MNIST)",
       "net4": "Net4 (Fashion-MNIST)"}
ACTIVATIONS = [("net1_strelu", "stReLU", "3e-3"), ("net1_trelu", "tReLU", "3e-3"),
               ("net1_atleakyrelu", "atLeakyReLU, alpha 0.1", "3e-3"), ("net1_relu_p99.9", "ReLU + p99.9", "1e-3"),
               ("net1_relu_max", "ReLU + max (same weights)", "1e-3")]
# Net2's ablation: every activation with the same short recipe (`--quick`).
ABLATION_NET2 = [("net2_strelu", "stReLU", "3e-3"), ("net2_trelu", "tReLU", "3e-3"),
                 ("net2_atleakyrelu", "atLeakyReLU, alpha 0.1", "3e-3"), ("net2_relu_p99.9", "ReLU + p99.9", "1e-3"),
                 ("net2_relu_max", "ReLU + max (same weights)", "1e-3")]
# Net4's ablation: every activation with the same short recipe (`--quick`).
ABLATION_NET4 = [("net4_strelu", "stReLU", "2e-3"), ("net4_trelu", "tReLU", "2e-3"),
                 ("net4_atleakyrelu", "atLeakyReLU, alpha 0.1", "2e-3"), ("net4_relu_p99.9", "ReLU + p99.9", "1e-3"),
                 ("net4_relu_max", "ReLU + max (same weights)", "1e-3")]
# What docs/data/<run>/ keeps of each run: enough to regenerate every table and figure
# from it when the run is not in the cache (a fresh machine, `--only`).
DATA_FILES = ["snn_accuracy_per_step.csv", "energy.csv", "sops_per_layer.csv", "layer_error.csv",
              "activation_signs.csv", "log.txt", "train_log.txt"]


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def first_step_within(acc, ann, tolerance):
    """Smallest T (1-based) with acc[T - 1] >= ann - tolerance (points), or None."""
    for t, a in enumerate(acc):
        if a >= ann - tolerance - 1e-9:
            return t + 1
    return None


class Run:
    def __init__(self, root, name):
        self.name = name
        self.dir = os.path.join(root, name)
        with open(os.path.join(self.dir, "run.json")) as f:
            self.meta = json.load(f)
        with open(os.path.join(self.dir, "log.txt")) as f:
            self.log = f.read()
        m = re.search(r"ANN test accuracy: ([0-9.]+)%", self.log)
        if not m:
            raise ValueError(f"{self.dir}/log.txt: no ANN test accuracy")
        self.ann = float(m.group(1))
        self.train_seconds = None
        train_log = os.path.join(self.dir, "train_log.txt")
        if os.path.exists(train_log):
            with open(train_log) as f:
                m = re.search(r"training time: ([0-9.]+) s", f.read())
            if m:
                self.train_seconds = float(m.group(1))
        self.acc = {}  # neuron -> [% per t]
        for r in read_csv(os.path.join(self.dir, "snn_accuracy_per_step.csv")):
            self.acc.setdefault(r["neuron"], []).append(100.0 * float(r["snn_accuracy"]))
        self.energy = {r["neuron"]: r for r in read_csv(os.path.join(self.dir, "energy.csv"))}

    def latency(self, neuron, tolerance=0.0):
        """Smallest T with SNN >= ANN - tolerance (points), or None."""
        return first_step_within(self.acc[neuron], self.ann, tolerance)

    def command(self):
        recipe = self.meta["recipe"]
        prog = self.meta["program"]
        return f"`{prog} {recipe}`" if recipe else f"`{prog}` (its defaults)"


def table_runs(runs):
    """(name, run) of the Table 3 / Table 5 runs that are present, in table order."""
    return [(name, runs[name]) for name in TABLE3_RUNS if name in runs]


def fmt_t(v, steps):
    return str(v) if v is not None else f"> {steps}"


def table3(runs):
    out = ["| net | | ANN | neuron | SNN at the paper's latency | latency (SNN >= ANN) | within 0.1 / 0.5 pt | "
           "training |", "|---|---|---|---|---|---|---|---|"]
    for name, r in table_runs(runs):
        ann, snn, lat = PAPER_T3[name]
        out.append(f"| {NET[name]} | paper | {ann:.2f}% | paper's | {snn:.2f}% (T = {lat}) | {lat} | — | "
                   f"300-400 epochs |")
        steps = r.meta["time_steps"]
        for k, neuron in enumerate(("paper", "rounding")):
            acc = r.acc[neuron]
            at = f"{acc[lat - 1]:.2f}% (T = {lat})" if lat <= len(acc) else "—"
            train = ""
            if k == 0:
                train = f"{r.command()}, {r.train_seconds:.0f} s" if r.train_seconds else r.command()
            out.append(f"| | {'dualspike' if k == 0 else ''} | {f'{r.ann:.2f}%' if k == 0 else ''} | {neuron} | "
                       f"{at} | {fmt_t(r.latency(neuron), steps)} | {fmt_t(r.latency(neuron, 0.1), steps)} / "
                       f"{fmt_t(r.latency(neuron, 0.5), steps)} | {train} |")
    return out


def spread(values, fmt="{:.2f}", range_fmt=None, unit=""):
    """'mean (min-max)' of a list of numbers."""
    range_fmt = range_fmt or fmt
    mean = sum(values) / len(values)
    return f"{fmt.format(mean)}{unit} ({range_fmt.format(min(values))}-{range_fmt.format(max(values))})"


def mean_latency(rs, neuron, tolerance):
    """Smallest T where the seeds' mean SNN accuracy is >= their mean ANN accuracy - tolerance."""
    steps = min(len(r.acc[neuron]) for r in rs)
    curve = [sum(r.acc[neuron][t] for r in rs) / len(rs) for t in range(steps)]
    return first_step_within(curve, sum(r.ann for r in rs) / len(rs), tolerance)


def table3_seeds(runs):
    """Table 3's rows over three seeds: mean (range) of the ANN accuracy and of the latencies."""
    out = ["| net | seeds | ANN mean (range) | paper's ANN | neuron | within 0.1 pt: mean curve, per seed mean "
           "(range) | SNN >= ANN: mean curve, per seed (range) | target T (half the paper's) |",
           "|---|---|---|---|---|---|---|---|"]
    for name in TABLE3_RUNS:
        rs = [runs[n] for n in SEED_RUNS[name] if n in runs]
        if len(rs) < 2:
            continue
        ann, _, lat = PAPER_T3[name]
        steps = min(r.meta["time_steps"] for r in rs)
        for k, neuron in enumerate(("paper", "rounding")):
            cells = []
            for tol in (0.1, 0.0):
                per = [r.latency(neuron, tol) for r in rs]
                rng = spread(per, "{:.1f}", "{}") if None not in per else \
                    ", ".join(fmt_t(v, steps) for v in per)
                cells.append(f"{fmt_t(mean_latency(rs, neuron, tol), steps)}; {rng}")
            first = k == 0
            out.append(f"| {NET[name] if first else ''} | {len(rs) if first else ''} | "
                       f"{spread([r.ann for r in rs], unit='%') if first else ''} | {f'{ann:.2f}%' if first else ''} | "
                       f"{neuron} | {cells[0]} | {cells[1]} | {f'<= {lat // 2}' if first else ''} |")
    return out


def activations(runs, table=ACTIVATIONS, steps=(1, 3, 8, 32, 128), error_at=32):
    out = ["| activation (lr) | ANN | neuron | " + " | ".join(f"T = {t}" for t in steps) +
           f" | latency | within 0.1 / 0.5 | conversion error at T = {error_at} |",
           "|---|---|---|" + "---|" * len(steps) + "---|---|---|"]
    for name, label, lr in table:
        if name not in runs:
            continue
        r = runs[name]
        T = r.meta["time_steps"]
        for k, neuron in enumerate(("paper", "rounding")):
            acc = r.acc[neuron]
            cells = " | ".join(f"{acc[t - 1]:.2f}" if t <= len(acc) else "—" for t in steps)
            head = f"{label} ({lr}) | {r.ann:.2f}%" if k == 0 else " | "
            err = f"{round(r.ann - acc[error_at - 1], 2) + 0.0:+.2f} pt" if error_at <= len(acc) else "—"
            out.append(f"| {head} | {neuron} | {cells} | {fmt_t(r.latency(neuron), T)} | "
                       f"{fmt_t(r.latency(neuron, 0.1), T)} / {fmt_t(r.latency(neuron, 0.5), T)} | {err} |")
    return out


def energy(runs):
    out = ["| net | | T | OP_ANN (MACs, M) | OP_SNN (SOPs, M) | first layer on the input (MACs, M) | "
           "Energy_ANN (10^6 pJ) | Energy_SNN (10^5 pJ) | Energy_SNN / Energy_ANN |", "|---|---|---|---|---|---|---|---|---|"]
    for name, r in table_runs(runs):
        op_ann, op_snn, e_ann, e_snn, ratio = PAPER_T5[name]
        out.append(f"| {NET[name]} | paper | — | {op_ann:.2f} | {op_snn:.2f} | — | {e_ann / 1e6:.2f} | "
                   f"{e_snn / 1e5:.2f} | {ratio:.2f}% |")
        for neuron in ("paper", "rounding"):
            e = r.energy.get(neuron)
            if e is None:
                out.append(f"| | {neuron} neuron | error >= 1 point up to T = {r.meta['time_steps']} | | | | | | |")
                continue
            out.append(f"| | {neuron} neuron | {e['time_steps']} | {float(e['ann_macs']) / 1e6:.2f} | "
                       f"{float(e['snn_sops']) / 1e6:.2f} | {float(e['input_macs']) / 1e6:.2f} | "
                       f"{float(e['ann_pj']) / 1e6:.2f} | {float(e['snn_pj']) / 1e5:.2f} | "
                       f"{100.0 * float(e['energy_ratio']):.2f}% |")
    return out


def layer_error(runs, name, steps=(1, 3, 8, 32)):
    rows = read_csv(os.path.join(runs[name].dir, "layer_error.csv"))
    out = ["| neuron | SNN layer | " + " | ".join(f"t = {t}" for t in steps) + " |", "|---|---|" + "---|" * len(steps)]
    table = {}
    for r in rows:
        table[(r["neuron"], int(r["snn_layer"]), int(r["t"]))] = (float(r["mean_abs_error"]),
                                                                    100.0 * float(r["fraction_off"]))
    for neuron, layer in sorted({(n, l) for n, l, _ in table}):
        cells = []
        for t in steps:
            v = table.get((neuron, layer, t))
            cells.append(f"{v[0]:.4f} ({v[1]:.1f}%)" if v else "—")
        out.append(f"| {neuron} | {layer} | " + " | ".join(cells) + " |")
    return out


def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True, check=True).stdout.strip()
    except subprocess.CalledProcessError:
        return "?"


def machine():
    cpu = sh("lscpu | sed -n 's/^Model name: *//p' | head -1")
    return f"{cpu}, {os.cpu_count()} cores"


def provenance(runs, fresh):
    commit = sh("git rev-parse --short HEAD") + (" (with uncommitted changes)" if sh("git status --porcelain") else "")
    out = [f"Generated {datetime.date.today().isoformat()} by `bash scripts/results.sh` on {machine()}, "
           f"{sh('g++ --version | head -1')}, commit {commit}; seed 2 (the programs' default) for "
           "every run whose recipe gives no `--seed`. Runs this generation did not repeat (`--only`) come from docs/data/ "
           "and say when and where they were made. Wall times: training = the run that trained the cached "
           "weights; run = the whole program (training included where it trained, else loading the weights, "
           "converting, simulating both neurons and the per-layer analyses).", "",
           "| run | time steps | training | run | made |", "|---|---|---|---|---|"]
    for name in sorted(runs):
        r = runs[name]
        train = f"{r.train_seconds:.0f} s" if r.train_seconds else "—"
        g = r.meta.get("generated")
        made = "this generation" if name in fresh else (f"{g['date']}, {g['cpu']}" if g else "earlier")
        out.append(f"| {name} | {r.meta['time_steps']} | {train} | {r.meta['wall_ms'] / 1000:.0f} s | {made} |")
    return out


def replace_block(text, name, lines):
    begin, end = f"<!-- BEGIN generated: {name} -->", f"<!-- END generated: {name} -->"
    i, j = text.find(begin), text.find(end)
    if i < 0 or j < i:
        raise ValueError(f"docs/results.md lacks the markers of '{name}'")
    return text[: i + len(begin)] + "\n" + "\n".join(lines) + "\n" + text[j:]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", required=True, help="the runs' folder (out/results)")
    ap.add_argument("--docs", required=True, help="the docs folder")
    a = ap.parse_args(argv)
    data, figures = os.path.join(a.docs, "data"), os.path.join(a.docs, "figures")
    runs, fresh = {}, set()
    for name in sorted(os.listdir(a.runs)):
        if os.path.exists(os.path.join(a.runs, name, "run.json")):
            runs[name] = Run(a.runs, name)
            fresh.add(name)
    if not runs:
        ap.exit(1, f"error: no runs in {a.runs} (run scripts/results.sh)\n")
    # Runs of an earlier generation that this one did not repeat: from docs/data.
    for name in sorted(os.listdir(data)) if os.path.isdir(data) else []:
        if name not in runs and os.path.exists(os.path.join(data, name, "run.json")):
            runs[name] = Run(data, name)
    generated = {"date": datetime.date.today().isoformat(), "cpu": machine()}

    os.makedirs(figures, exist_ok=True)
    for name in sorted(fresh):
        r = runs[name]
        os.makedirs(os.path.join(data, name), exist_ok=True)
        for f in DATA_FILES:
            if os.path.exists(os.path.join(r.dir, f)):
                shutil.copyfile(os.path.join(r.dir, f), os.path.join(data, name, f))
        r.meta["generated"] = generated
        with open(os.path.join(data, name, "run.json"), "w") as f:
            json.dump(r.meta, f, indent=1, sort_keys=True)
            f.write("\n")
        if name == "net1_main":  # the raster's neurons only (the first 100 of each layer)
            with open(os.path.join(r.dir, "spikes.csv"), newline="") as src, \
                    open(os.path.join(data, name, "spikes.csv"), "w", newline="") as dst:
                rows = csv.DictReader(src)
                out = csv.DictWriter(dst, fieldnames=rows.fieldnames, lineterminator="\n")
                out.writeheader()
                out.writerows(row for row in rows if int(row["index"]) < 100)

    def csv_of(name, f="snn_accuracy_per_step.csv"):
        return os.path.join(data, name, f)

    series = [f"{label}={csv_of(name)}" for name, label, _ in ACTIVATIONS if name in runs]
    if series:
        plot_accuracy.main(["--out", os.path.join(figures, "net1_activations"), "--ymin", "60", *series])
        plot_analysis.main(["signs", "--out", os.path.join(figures, "net1_activation_signs"),
                            *[f"{label.split(',')[0].split(' (')[0]}={csv_of(name, 'activation_signs.csv')}"
                              for name, label, _ in ACTIVATIONS[:4] if name in runs]])
    nets = [f"{NET[n].split(' ')[0]}={csv_of(n)}" for n, _ in table_runs(runs)]
    if nets:
        plot_accuracy.main(["--out", os.path.join(figures, "table3_accuracy"), "--ymin", "80", *nets])
    for name in ("net1_main", "net4"):
        if name in runs:
            short = name.split("_")[0]
            plot_analysis.main(["layer-error", "--out", os.path.join(figures, f"{short}_layer_error"),
                                csv_of(name, "layer_error.csv")])
            plot_analysis.main(["sops", "--out", os.path.join(figures, f"{short}_sops"),
                                csv_of(name, "sops_per_layer.csv")])
    if "net1_main" in runs:
        plot_analysis.main(["raster", "--out", os.path.join(figures, "net1_raster"), "--max-neurons", "60",
                            csv_of("net1_main", "spikes.csv")])

    path = os.path.join(a.docs, "results.md")
    with open(path) as f:
        text = f.read()
    text = replace_block(text, "table3", table3(runs))
    if any(n in runs for name in TABLE3_RUNS for n in SEED_RUNS[name][1:]):
        text = replace_block(text, "table3_seeds", table3_seeds(runs))
    text = replace_block(text, "activations", activations(runs))
    if any(name in runs for name, _, _ in ABLATION_NET2[1:]):
        text = replace_block(text, "ablation_net2", activations(runs, ABLATION_NET2, (1, 3, 8, 11, 32, 128)))
        series = [f"{label}={csv_of(name)}" for name, label, _ in ABLATION_NET2 if name in runs]
        plot_accuracy.main(["--out", os.path.join(figures, "net2_activations"), "--ymin", "60", *series])
    if any(name in runs for name, _, _ in ABLATION_NET4[1:]):
        text = replace_block(text, "ablation_net4", activations(runs, ABLATION_NET4, (1, 3, 8, 32, 79, 128)))
        series = [f"{label}={csv_of(name)}" for name, label, _ in ABLATION_NET4 if name in runs]
        plot_accuracy.main(["--out", os.path.join(figures, "net4_activations"), "--ymin", "40", *series])
    text = replace_block(text, "energy", energy(runs))
    for name in ("net1_main", "net4"):
        if name in runs:
            text = replace_block(text, f"layer_error_{name}", layer_error(runs, name))
    text = replace_block(text, "provenance", provenance(runs, fresh))
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)
    print(f"wrote {path}, {data}/, {figures}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
