#!/usr/bin/python3
"""Accuracy and conversion error of SNNs against time steps (the paper's Figs. 5, 6 and 8),
from the per-step CSVs the examples write (`snn_accuracy_per_step.csv`: columns neuron, t,
snn_accuracy, ann_accuracy, conversion_error, ...). Writes OUT.png and OUT.svg.

    /usr/bin/python3 tools/plot_accuracy.py --out docs/figures/net1_activations \\
        "stReLU=docs/data/net1/strelu.csv" "tReLU=docs/data/net1/trelu.csv" ...

Each series is LABEL=CSV; every firing rule found in the CSV is drawn (the paper's neuron
solid, the rounding neuron dashed, one colour per CSV). Needs Debian's python3-matplotlib.
"""
import argparse
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
matplotlib.rcParams["svg.hashsalt"] = "dualspike"  # stable SVG ids: a regeneration changes only what changed
import matplotlib.pyplot as plt  # noqa: E402

STYLE = {"paper": "-", "rounding": "--"}  # line style per firing rule (shared with plot_analysis.py)


def time_axes(axes, xlabel):
    """A log2 time axis with a grid on each of `axes`."""
    for ax in axes:
        ax.set_xscale("log", base=2)
        ax.set_xlabel(xlabel)
        ax.grid(True, which="both", alpha=0.3)


def save_figure(fig, out):
    """Writes OUT.png and OUT.svg (the SVG without a date, so it changes only with its content)."""
    fig.tight_layout()
    for ext in ("png", "svg"):
        fig.savefig(f"{out}.{ext}", dpi=120, metadata={"Date": None} if ext == "svg" else None)
    print(f"wrote {out}.png and {out}.svg")


def read_series(path):
    """{neuron: (t list, snn accuracy %, conversion error in points)} of one CSV."""
    out = {}
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    if not rows or not {"t", "snn_accuracy", "conversion_error"} <= set(rows[0]):
        raise ValueError(f"{path}: expected the columns t, snn_accuracy, conversion_error (an examples' CSV)")
    for r in rows:
        t, acc, err = int(r["t"]), float(r["snn_accuracy"]), float(r["conversion_error"])
        if not (math.isfinite(acc) and math.isfinite(err)) or t < 1:
            raise ValueError(f"{path}: bad row {r}")
        ts, accs, errs = out.setdefault(r.get("neuron", "paper"), ([], [], []))
        ts.append(t)
        accs.append(100.0 * acc)
        errs.append(100.0 * err)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="output path without extension (.png and .svg are written)")
    ap.add_argument("--title", default="")
    ap.add_argument("--ymin", type=float, default=90.0, help="lower limit of the accuracy axis, percent")
    ap.add_argument("series", nargs="+", help="LABEL=CSV")
    a = ap.parse_args(argv)
    parsed = []
    for s in a.series:
        if "=" not in s:
            ap.error(f"series '{s}': expected LABEL=CSV")
        label, path = s.split("=", 1)
        try:
            parsed.append((label, read_series(path)))
        except (OSError, ValueError) as e:
            ap.exit(1, f"error: {e}\n")

    fig, (ax_acc, ax_err) = plt.subplots(1, 2, figsize=(11, 4.2))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for k, (label, series) in enumerate(parsed):
        for neuron, (ts, accs, errs) in sorted(series.items()):
            style = dict(color=colours[k % len(colours)], linestyle=STYLE.get(neuron, ":"), linewidth=1.6)
            name = f"{label}, {neuron} neuron" if len(series) > 1 or neuron != "paper" else label
            ax_acc.plot(ts, accs, label=name, **style)
            ax_err.plot(ts, errs, **style)
    time_axes((ax_acc, ax_err), "time steps T")
    ax_acc.set_ylabel("SNN test accuracy (%)")
    ax_acc.set_ylim(a.ymin, None)
    ax_err.set_ylabel("conversion error, ANN - SNN (points)")
    ax_err.set_yscale("symlog", linthresh=0.1)
    ax_err.axhline(0.0, color="black", linewidth=0.8)
    lowest = min(min(e) for _, s in parsed for (_, _, e) in s.values())
    ax_err.set_ylim(bottom=min(-0.1, 1.2 * lowest))
    ax_acc.legend(fontsize=7, loc="lower right")
    if a.title:
        fig.suptitle(a.title)
    save_figure(fig, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
