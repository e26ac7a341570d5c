#!/usr/bin/env python3
"""Checks kyc-core's sharpness score against OpenCV's variance of the Laplacian.

Usage:
    cargo run -p kyc-core --example write_sharpness_fixtures -- DIR
    python3 scripts/opencv_compare.py DIR

DIR holds the PGM frames and scores.tsv (name, kyc-core score) written by the example. For
each frame this computes cv2.Laplacian(img, cv2.CV_64F).var() and requires that both rank the
frames in the same order (Spearman rank correlation 1, i.e. identical order), and that the
values agree within 1e-3 relative (the frames are small enough that kyc-core's normalized
downscale is the identity). Exits 1 on any disagreement, 2 on bad input.
Needs: pip install opencv-python-headless numpy
"""
import os
import sys

import cv2
import numpy as np


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = sys.argv[1]
    rows = []
    with open(os.path.join(directory, "scores.tsv"), encoding="utf-8") as table:
        next(table)
        for line in table:
            name, score = line.rstrip("\n").split("\t")
            rows.append((name, float(score)))
    if len(rows) < 3:
        print(f"only {len(rows)} frames in {directory}", file=sys.stderr)
        return 2
    results = []
    for name, ours in rows:
        image = cv2.imread(os.path.join(directory, f"{name}.pgm"), cv2.IMREAD_GRAYSCALE)
        if image is None:
            print(f"cannot read {name}.pgm", file=sys.stderr)
            return 2
        theirs = float(cv2.Laplacian(image, cv2.CV_64F).var())
        results.append((name, ours, theirs))
    ours_order = [name for name, _, _ in sorted(results, key=lambda r: -r[1])]
    theirs_order = [name for name, _, _ in sorted(results, key=lambda r: -r[2])]
    worst = 0.0
    for name, ours, theirs in results:
        relative = abs(ours - theirs) / max(abs(theirs), 1e-12)
        worst = max(worst, relative)
        print(f"{name:24s} kyc-core {ours:14.4f}  opencv {theirs:14.4f}  rel.diff {relative:.2e}")
    ranks_ours = np.argsort(np.argsort([-r[1] for r in results]))
    ranks_theirs = np.argsort(np.argsort([-r[2] for r in results]))
    n = len(results)
    spearman = 1 - 6 * float(np.sum((ranks_ours - ranks_theirs) ** 2)) / (n * (n * n - 1))
    print(f"{n} frames, Spearman rank correlation {spearman:.4f}, max relative difference {worst:.2e}")
    if ours_order != theirs_order:
        print("RANKING DISAGREES", file=sys.stderr)
        print(f"  kyc-core: {ours_order}", file=sys.stderr)
        print(f"  opencv:   {theirs_order}", file=sys.stderr)
        return 1
    if worst > 1e-3:
        print(f"VALUES DIFFER: max relative difference {worst:.2e} > 1e-3", file=sys.stderr)
        return 1
    print("ranking agrees with OpenCV")
    return 0


if __name__ == "__main__":
    sys.exit(main())
