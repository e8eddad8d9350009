#!/usr/bin/env python3
"""OpenCV baseline for the duet-beauty benchmark, on the frame the Rust benchmark wrote.

Usage: bench-beauty-opencv.py FRAME.i420 WIDTH HEIGHT [ITERATIONS]

Reads a packed I420 frame and times, on one thread:
  - cv2.bilateralFilter(d=9) on the Y plane (the bytes duet-beauty filters),
  - cv2.ximgproc.guidedFilter on the Y plane, radius and eps matching duet-beauty's level 9,
  - cv2.bilateralFilter(d=9) on the BGR picture (what an app filtering RGB would run).
Prints one JSON object of medians in milliseconds, wall time (`*_ms`) and this thread's CPU
time (`*_cpu_ms`, steady on a shared machine). Exits 3 with a message if cv2 or its
contrib module (ximgproc) is missing: `pip install opencv-contrib-python-headless`.
"""
import json
import statistics
import sys
import time


def medians_ms(run, iterations):
    """(wall, thread CPU) medians of `iterations` calls, in milliseconds."""
    run()  # warm-up: first call allocates and builds tables
    wall, cpu = [], []
    for _ in range(iterations):
        start, start_cpu = time.perf_counter(), time.thread_time()
        run()
        wall.append((time.perf_counter() - start) * 1000.0)
        cpu.append((time.thread_time() - start_cpu) * 1000.0)
    return statistics.median(wall), statistics.median(cpu)


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, width, height = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    iterations = int(sys.argv[4]) if len(sys.argv) > 4 else 15
    try:
        import cv2
        import numpy as np
    except ImportError as error:
        print(f"OpenCV baseline skipped: {error}; pip install opencv-contrib-python-headless",
              file=sys.stderr)
        return 3
    if not hasattr(cv2, "ximgproc"):
        print("OpenCV baseline skipped: cv2.ximgproc missing; install opencv-contrib-python-headless",
              file=sys.stderr)
        return 3
    cv2.setNumThreads(1)
    data = np.fromfile(path, dtype=np.uint8)
    luma = data[: width * height].reshape(height, width)
    i420 = data.reshape(height * 3 // 2, width)
    bgr = cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420)
    # duet-beauty's level-9 window: 5 cells of 4 (720p) or 6 (1080p) pixels, threshold 19.25^2.
    factor = 2 * max(1, (min(width, height) + 180) // 360)
    radius = 2 * factor + factor // 2
    eps = 19.25 ** 2
    runs = {
        "bilateral_y": lambda: cv2.bilateralFilter(luma, 9, 30, 7),
        "guided_y": lambda: cv2.ximgproc.guidedFilter(luma, luma, radius, eps),
        "bilateral_bgr": lambda: cv2.bilateralFilter(bgr, 9, 30, 7),
    }
    results = {"opencv_version": cv2.__version__, "threads": cv2.getNumThreads(),
               "guided_radius": radius}
    for name, run in runs.items():
        results[f"{name}_ms"], results[f"{name}_cpu_ms"] = medians_ms(run, iterations)
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
