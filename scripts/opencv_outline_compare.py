#!/usr/bin/env python3
"""Compares kyc-core's document outline with OpenCV's classic document-scanner pipeline on the
same generated scenes, and prints both rows side by side.

Usage:
    cargo run --release -p kyc-core --example write_outline_scenes -- DIR
    python3 scripts/opencv_outline_compare.py DIR

DIR holds the PPM scenes and outlines.tsv (name, background, true corners, kyc-core's corners,
kyc-core's time) written by the example. OpenCV runs the classic pipeline: grey, 5x5 Gaussian
blur, Canny(75, 200), findContours, the five largest contours, approxPolyDP at 2 % of the
perimeter, the first with four points; a quadrilateral under 4 % of the frame is ignored (the
least kyc-core reports). Both are scored the same way as the Rust test: the worst corner's
distance under the best matching, as a share of the mean diagonal; within 5 % counts as found,
further as wrong; any outline on an empty frame is a false detection.
Exits 2 on bad input; never fails on the numbers (they are reported, not gated).
Needs: pip install opencv-python-headless numpy
"""
import os
import sys
import time

import cv2
import numpy as np

CORRECT_WITHIN = 0.05
MIN_AREA_SHARE = 0.04


def parse(field):
    if not field:
        return None
    return np.array([[float(v) for v in p.split(",")] for p in field.split(";")])


def corner_error(found, truth):
    diagonal = (np.linalg.norm(truth[0] - truth[2]) + np.linalg.norm(truth[1] - truth[3])) / 2
    best = np.inf
    for candidate in (found, found[::-1]):
        for shift in range(4):
            rolled = np.roll(candidate, shift, axis=0)
            best = min(best, np.linalg.norm(rolled - truth, axis=1).max())
    return best / diagonal


def opencv_outline(image):
    gray = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.Canny(blurred, 75, 200)
    contours, _ = cv2.findContours(edges, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    contours = sorted(contours, key=cv2.contourArea, reverse=True)[:5]
    min_area = MIN_AREA_SHARE * gray.shape[0] * gray.shape[1]
    for contour in contours:
        approx = cv2.approxPolyDP(contour, 0.02 * cv2.arcLength(contour, True), True)
        if len(approx) == 4 and cv2.contourArea(approx) >= min_area:
            # Pixel indices to the centre-of-pixel coordinates kyc-core uses.
            return approx.reshape(4, 2).astype(float) + 0.5
    return None


def summarise(rows):
    documents = [r for r in rows if r["truth"] is not None]
    empty = [r for r in rows if r["truth"] is None]
    errors = sorted(r["error"] for r in documents if r["error"] is not None)
    found = sum(1 for e in errors if e <= CORRECT_WITHIN)
    wrong = len(errors) - found
    false = sum(1 for r in empty if r["found"] is not None)
    times = sorted(r["ms"] for r in rows)

    def pct(p):
        return errors[round((len(errors) - 1) * p)] * 100 if errors else float("nan")

    return (
        f"{100 * found / len(documents):>8.1f}% {wrong:>6} {pct(0.5):>8.2f}% {pct(0.95):>8.2f}%"
        f" {false:>3}/{len(empty)} ({100 * false / len(empty):.1f}%) {times[len(times) // 2]:>8.2f}"
    )


def main() -> int:
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    directory = sys.argv[1]
    ours, theirs = [], []
    by_background = {}
    with open(os.path.join(directory, "outlines.tsv"), encoding="utf-8") as table:
        next(table)
        for line in table:
            name, background, truth, found, ms = line.rstrip("\n").split("\t")
            truth, found = parse(truth), parse(found)
            image = cv2.imread(os.path.join(directory, f"{name}.ppm"), cv2.IMREAD_COLOR)
            if image is None:
                print(f"cannot read {name}.ppm", file=sys.stderr)
                return 2
            started = time.perf_counter()
            cv = opencv_outline(image)
            cv_ms = (time.perf_counter() - started) * 1000
            for rows, corners, took in ((ours, found, float(ms)), (theirs, cv, cv_ms)):
                error = None
                if truth is not None and corners is not None:
                    error = corner_error(corners, truth)
                row = {"truth": truth, "found": corners, "error": error, "ms": took}
                rows.append(row)
            if truth is not None:
                pair = by_background.setdefault(background, ([], []))
                pair[0].append(ours[-1])
                pair[1].append(theirs[-1])
    if not ours:
        print(f"no scenes in {directory}", file=sys.stderr)
        return 2
    empty = [r for r in ours if r["truth"] is None]
    print(f"document outline, {len(ours) - len(empty)} documents and {len(empty)} empty frames")
    header = f"{'detector':<28} {'detected':>9} {'wrong':>6} {'err p50':>9} {'err p95':>9} {'false detections':>17} {'median ms':>9}"
    print(header)
    print(f"{'kyc-core (Rust, native)':<28} {summarise(ours)}")
    print(f"{'OpenCV Canny+contours':<28} {summarise(theirs)}")
    for background, (a, b) in sorted(by_background.items()):
        for label, rows in (("kyc-core", a), ("OpenCV", b)):
            errors = [r["error"] for r in rows]
            found = sum(1 for e in errors if e is not None and e <= CORRECT_WITHIN)
            print(f"  {background:<14} {label:<9} detected {100 * found / len(rows):5.1f}% of {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
