#!/usr/bin/python3
"""Pictures of the per-layer analyses the examples write into --out-dir (each as OUT.png
and OUT.svg; needs Debian's python3-matplotlib):

    plot_analysis.py layer-error --out F  DIR/layer_error.csv     conversion error per layer vs t
    plot_analysis.py signs --out F LABEL=DIR/activation_signs.csv ...
                                                                   positive / zero / negative
                                                                   activations per layer (Fig. 7)
    plot_analysis.py raster --out F DIR/spikes.csv [--neuron N]   spike raster of one sample
    plot_analysis.py sops --out F DIR/sops_per_layer.csv          SOPs per layer and step
"""
import argparse
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "dualspike"  # stable SVG ids: a regeneration changes only what changed
import matplotlib.colors  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from plot_accuracy import STYLE, save_figure as save, time_axes  # noqa: E402  (tools/, beside this file)


def read_rows(path, columns):
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows:
        raise ValueError(f"{path}: no rows")
    missing = set(columns) - set(rows[0])
    if missing:
        raise ValueError(f"{path}: missing columns {sorted(missing)} (expected an examples' CSV)")
    for r in rows:
        for c in columns:
            if c != "neuron" and not math.isfinite(float(r[c])):
                raise ValueError(f"{path}: bad value in row {r}")
    return rows


def layer_error(a):
    rows = read_rows(a.csv, ["neuron", "snn_layer", "t", "mean_abs_error", "fraction_off"])
    series = {}
    for r in rows:
        ts, errs, offs = series.setdefault((r["neuron"], int(r["snn_layer"])), ([], [], []))
        ts.append(int(r["t"]))
        errs.append(float(r["mean_abs_error"]))
        offs.append(100.0 * float(r["fraction_off"]))
    layers = sorted({layer for _, layer in series})
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, (ax_e, ax_o) = plt.subplots(1, 2, figsize=(11, 4.2))
    for (neuron, layer), (ts, errs, offs) in sorted(series.items()):
        style = dict(color=colours[layers.index(layer) % len(colours)], linestyle=STYLE.get(neuron, ":"))
        ax_e.plot(ts, errs, label=f"SNN layer {layer}, {neuron} neuron", **style)
        ax_o.plot(ts, offs, **style)
    time_axes((ax_e, ax_o), "time steps t")
    ax_e.set_yscale("log")
    ax_e.set_ylabel("mean |ANN activation / threshold - spike rate|")
    ax_o.set_ylabel("neurons more than one spike off (%)")
    ax_e.legend(fontsize=7)
    if a.title:
        fig.suptitle(a.title)
    save(fig, a.out)


def signs(a):
    parsed = []
    for s in a.series:
        if "=" not in s:
            raise ValueError(f"series '{s}': expected LABEL=CSV")
        label, path = s.split("=", 1)
        parsed.append((label, read_rows(path, ["ann_layer", "positive", "zero", "negative"])))
    depth = max(len(rows) for _, rows in parsed)
    fig, axes = plt.subplots(1, depth, figsize=(4.2 * depth, 3.8), squeeze=False)
    colours = {"positive": "tab:red", "zero": "tab:gray", "negative": "tab:blue"}
    width = 0.8 / 3
    for k in range(depth):
        ax = axes[0][k]
        for j, kind in enumerate(("positive", "zero", "negative")):
            xs = [i + (j - 1) * width for i in range(len(parsed))]
            ys = [100.0 * float(rows[k][kind]) if k < len(rows) else 0.0 for _, rows in parsed]
            ax.bar(xs, ys, width, color=colours[kind], label=kind if k == 0 else None)
        ax.set_xticks(range(len(parsed)), [label for label, _ in parsed], fontsize=8)
        ax.set_title(f"activation layer {k + 1}")
        ax.set_ylabel("share of activations (%)")
        ax.set_ylim(0, 100)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0][0].legend(fontsize=8)
    if a.title:
        fig.suptitle(a.title)
    save(fig, a.out)


def raster(a):
    rows = read_rows(a.csv, ["neuron", "snn_layer", "t", "index", "spike"])
    neurons = sorted({r["neuron"] for r in rows})
    neuron = a.neuron or neurons[-1]
    rows = [r for r in rows if r["neuron"] == neuron]
    if not rows:
        raise ValueError(f"{a.csv}: no spikes of the '{neuron}' neuron (found {neurons})")
    layers = sorted({int(r["snn_layer"]) for r in rows})
    steps = max(int(r["t"]) for r in rows)
    fig, axes = plt.subplots(1, len(layers), figsize=(5 * len(layers), 4.2), squeeze=False)
    cmap = matplotlib.colors.ListedColormap(["tab:blue", "white", "tab:red"])
    for k, layer in enumerate(layers):
        ax = axes[0][k]
        image = [[0] * steps for _ in range(a.max_neurons)]  # neuron x step: -1 / 0 / +1
        for r in rows:
            if int(r["snn_layer"]) == layer and int(r["index"]) < a.max_neurons:
                image[int(r["index"])][int(r["t"]) - 1] = int(r["spike"])
        ax.imshow(image, aspect="auto", interpolation="nearest", cmap=cmap, vmin=-1, vmax=1, origin="lower",
                  extent=(0.5, steps + 0.5, -0.5, a.max_neurons - 0.5))
        ax.set_xlabel("time step t (red: +1 spike, blue: -1 spike)")
        ax.set_ylabel(f"neuron (the first {a.max_neurons})")
        ax.set_title(f"SNN layer {layer}, {neuron} neuron")
    if a.title:
        fig.suptitle(a.title)
    save(fig, a.out)


def sops(a):
    rows = read_rows(a.csv, ["neuron", "t", "snn_layer", "sops_per_sample"])
    series = {}
    for r in rows:
        ts, ys = series.setdefault((r["neuron"], int(r["snn_layer"])), ([], []))
        ts.append(int(r["t"]))
        ys.append(float(r["sops_per_sample"]))
    layers = sorted({layer for _, layer in series})
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    fig, ax = plt.subplots(figsize=(6, 4.2))
    for (neuron, layer), (ts, ys) in sorted(series.items()):
        ax.plot(ts, ys, color=colours[layers.index(layer) % len(colours)], linestyle=STYLE.get(neuron, ":"),
                label=f"spikes of SNN layer {layer}, {neuron} neuron")
    ax.set_xlabel("time step t")
    ax.set_ylabel("SOPs per image at step t")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    if a.title:
        fig.suptitle(a.title)
    save(fig, a.out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="what", required=True)
    for name, fn, help_ in (("layer-error", layer_error, "per-layer conversion error vs t"),
                            ("raster", raster, "spike raster"), ("sops", sops, "SOPs per layer and step")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("csv")
        p.set_defaults(fn=fn)
        if name == "raster":
            p.add_argument("--neuron", default="", help="firing rule to draw (default: the last in the file)")
            p.add_argument("--max-neurons", type=int, default=100, help="draw neurons 0..N-1 of each layer")
    p = sub.add_parser("signs", help="activation signs per layer (Fig. 7)")
    p.add_argument("series", nargs="+", help="LABEL=CSV")
    p.set_defaults(fn=signs)
    for p in sub.choices.values():
        p.add_argument("--out", required=True, help="output path without extension (.png and .svg)")
        p.add_argument("--title", default="")
    a = ap.parse_args(argv)
    try:
        a.fn(a)
    except (OSError, ValueError) as e:
        ap.exit(1, f"error: {e}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
