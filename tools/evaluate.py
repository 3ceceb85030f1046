"""Evaluate the default model form on the real field spectra and the albedo formulas.

    python -m tools.evaluate [--data ../shared/data/ice_spectra] [--png-dir build/evaluation]
    python -m tools.evaluate --derive

Prints, per sensor, the leave-one-site-out accuracy, weighted precision/recall/F1, per-class F1 and
the confusion matrix (also written as a PNG), and the narrowband-vs-broadband albedo error.
``--derive`` prints the field-derived spectral-library entries (SN, CI, LA, HA) as they are written
in ``shared/spectral_library.py``, recomputed from the field spectra.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from shared.albedo_validation import narrowband_albedo_error
from shared.field_evaluation import (field_class_statistics, field_library_samples,
                                     leave_one_site_out)
from shared.spectral_library import FIELD, LIBRARY
from shared.surfaces import CLASS_BY_CODE, CLASS_CODES, SENSORS
from shared.training import Evaluation
from tools.train import FIELD_DATA


def confusion_png(evaluation: Evaluation, title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [CLASS_BY_CODE[c].short for c in CLASS_CODES]
    figure, axes = plt.subplots(figsize=(5, 4.5))
    axes.imshow(evaluation.confusion, cmap="Blues")
    for (row, column), count in np.ndenumerate(evaluation.confusion):
        axes.text(column, row, str(count), ha="center", va="center")
    axes.set_xticks(range(len(names)), names)
    axes.set_yticks(range(len(names)), names)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true (field site label)")
    axes.set_title(title)
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)


def report(evaluation: Evaluation) -> str:
    lines = [f"  accuracy {evaluation.accuracy:.3f}  weighted precision "
             f"{evaluation.precision_weighted:.3f}  recall {evaluation.recall_weighted:.3f}  "
             f"F1 {evaluation.f1_weighted:.3f}",
             "  per-class F1: " + ", ".join(f"{CLASS_BY_CODE[c].short} {v:.3f} (n={evaluation.support[c]})"
                                            for c, v in evaluation.f1_per_class.items()),
             "  confusion (rows true, columns predicted): "
             + " ".join(CLASS_BY_CODE[c].short for c in CLASS_CODES)]
    for code, row in zip(CLASS_CODES, evaluation.confusion):
        lines.append(f"    {CLASS_BY_CODE[code].short:>3} " + " ".join(f"{n:>3}" for n in row))
    return "\n".join(lines)


def derive_library(data_dir: Path) -> str:
    """The field classes' library entries, recomputed (compare with shared/spectral_library.py)."""
    samples = field_library_samples(data_dir)
    lines = []
    for code in CLASS_CODES:
        if LIBRARY[code].provenance.startswith(FIELD.split("{")[0]):
            sites = int((samples.labels == code).sum())
            stats = field_class_statistics(samples, code, FIELD.format(n=sites))
            lines += [f"{code}: {CLASS_BY_CODE[code].short}, {stats.provenance}",
                      f"  mean {stats.mean}", f"  sd   {stats.sd}",
                      f"  correlation {stats.correlation}"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=FIELD_DATA, help="the ice_spectra folder")
    parser.add_argument("--png-dir", type=Path, default=Path("build/evaluation"))
    parser.add_argument("--derive", action="store_true",
                        help="print the field-derived spectral-library entries and stop")
    args = parser.parse_args()
    if not args.data.is_dir():
        raise SystemExit(f"no field data at {args.data}")
    if args.derive:
        print(derive_library(args.data))
        return
    for sensor in SENSORS:
        evaluation = leave_one_site_out(args.data, sensor)
        print(f"{sensor}: field spectra, leave one site out")
        print(report(evaluation))
        png = args.png_dir / f"confusion-{sensor}.png"
        confusion_png(evaluation, f"{sensor}: leave one site out", png)
        print(f"  confusion matrix PNG: {png}")
        error = narrowband_albedo_error(args.data, sensor)
        print(f"  albedo vs measured broadband ({error.sites} sites): bias {error.bias:+.4f}, "
              f"MAE {error.mean_absolute_error:.4f}, RMSE {error.rmse:.4f}")


if __name__ == "__main__":
    main()
