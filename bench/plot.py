"""The per-bind cost plot: nanoseconds per bind against chain length, one line per encoding."""

from __future__ import annotations

from pathlib import Path
from typing import Any

STYLES = {
    "raw": ("black", "-", "o"),
    "raw ints": ("gray", ":", "."),
    "library left": ("tab:blue", "-", "o"),
    "library right": ("tab:blue", "--", "s"),
    "closure left": ("tab:orange", "-", "o"),
    "closure right": ("tab:orange", "--", "s"),
    "returns left": ("tab:green", "-", "o"),
    "returns right": ("tab:green", "--", "s"),
}


def per_bind_cost(plans: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5), dpi=110)
    for name, (color, style, marker) in STYLES.items():
        xs, ys, lo, hi = [], [], [], []
        for n in plans["sizes"]:
            row = plans["by_size"][str(n)]["rows"].get(name)
            if not row or "skipped" in row:
                continue
            xs.append(n)
            ys.append(row["ns_per_bind"]["median"])
            lo.append(row["ns_per_bind"]["median"] - row["ns_per_bind"]["min"])
            hi.append(row["ns_per_bind"]["max"] - row["ns_per_bind"]["median"])
        if not xs:
            continue
        depth = plans["deepest"].get(name)
        if depth and depth["failure"]:
            name = f"{name} ({depth['failure']} beyond {depth['deepest']:,})"
            ax.axvline(depth["deepest"], color=color, linestyle=style, linewidth=0.8, alpha=0.5)
        ax.errorbar(xs, ys, yerr=[lo, hi], color=color, linestyle=style, marker=marker, capsize=3, label=name)
    replay = [
        (n, row["replay_ns_per_bind"])
        for n in plans["sizes"]
        if "replay_ns_per_bind" in (row := plans["by_size"][str(n)]["rows"].get("library left", {}))
    ]
    if replay:
        ax.plot(
            *zip(*replay, strict=True),
            color="tab:blue",
            linestyle=":",
            marker="^",
            label="library left, run only (replay of a built plan)",
        )
    ax.set_xscale("log")
    ax.set_xlabel("binds in the chain")
    ax.set_ylabel("ns per bind (build + run), median of repetitions")
    ax.set_title("Cost per bind against chain length (error bars: min-max; thin lines: deepest chain)")
    ax.set_yscale("log")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
