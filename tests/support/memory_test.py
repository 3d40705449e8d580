#!/usr/bin/env python3
"""Memory stays bounded with default settings (VmHWM, generous bounds; not timing).

usage: memory_test.py MEMORY_BOUND_PROGRAM

- flood: a sender faster than the batches for FLOOD_SECONDS; the byte bound
  (dstream.backpressure.max_bytes, 256 MiB) holds the peak under FLOOD_PEAK_MIB and well
  below what the same flood reaches with dstream.backpressure.enabled=false, and batches
  keep running.
- long-line: a 300 MiB line without a newline is skipped (dstream.text.max_line_bytes,
  16 MiB), reported, and the line after it arrives.
"""
import os
import subprocess
import sys

FLOOD_SECONDS = int(os.environ.get("DSTREAM_FLOOD_SECONDS", "20"))
# The byte bound covers records stored and not yet processed; the batch being processed
# (its flat_map, map-side combine and shuffle) and the allocator's per-thread arenas come
# on top and grow with the rate the receiver takes: peaks of 405-656 MiB on a loaded
# machine, 1039 MiB once on a quiet one (24 M records in 20 s). Not a tight bound: the
# comparison with the same flood unbounded below is the sharper check.
FLOOD_PEAK_MIB = 1280
LONG_LINE_PEAK_MIB = 200


def run(program, *args):
    out = subprocess.run([program, *args], capture_output=True, text=True, timeout=300)
    if out.returncode != 0:
        sys.exit(f"{program} {' '.join(args)} exited with {out.returncode}:\n{out.stderr}")
    values = dict(line.split("=", 1) for line in out.stdout.split())
    print(f"{' '.join(args)}: " + ", ".join(f"{k}={v}" for k, v in values.items()))
    return {k: int(v) for k, v in values.items()}, out.stderr


def main():
    program = sys.argv[1]
    failures = []

    flood, _ = run(program, "flood", str(FLOOD_SECONDS))
    unbounded, _ = run(program, "flood", str(FLOOD_SECONDS), "dstream.backpressure.enabled=false")
    if flood["peak_mib"] > FLOOD_PEAK_MIB:
        failures.append(f"flood: peak {flood['peak_mib']} MiB > {FLOOD_PEAK_MIB} MiB")
    # The same flood without flow control shows what the bound saves (and that the flood
    # did outrun the batches: otherwise this test would prove nothing).
    if flood["peak_mib"] > 0.75 * unbounded["peak_mib"]:
        failures.append(f"flood: peak {flood['peak_mib']} MiB is not well below the "
                        f"{unbounded['peak_mib']} MiB of the same flood without flow control")
    if flood["batches"] < FLOOD_SECONDS // 2:
        failures.append(f"flood: only {flood['batches']} batches completed in {FLOOD_SECONDS} s")
    if flood["records"] == 0:
        failures.append("flood: no record was processed")

    long_line, err = run(program, "long-line", "300")
    if long_line["peak_mib"] > LONG_LINE_PEAK_MIB:
        failures.append(f"long-line: peak {long_line['peak_mib']} MiB > {LONG_LINE_PEAK_MIB} MiB")
    if long_line["after_seen"] != 1:
        failures.append("long-line: the line after the long one never arrived")
    if "max_line_bytes" not in err:
        failures.append("long-line: the skipped line was not reported:\n" + err)

    for f in failures:
        print("FAILED", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
