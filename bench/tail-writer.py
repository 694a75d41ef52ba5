#!/usr/bin/env python3
"""Appends Postfix log lines to a file at a fixed rate, with the timestamps rewritten to the current time.

usage: tail-writer.py <corpus> <out> <lines_per_second> <seconds>
Prints the time (epoch seconds) the last line was written, and the number of lines written.
"""
import sys
import time
from datetime import datetime, timezone

corpus, out, rate, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
with open(corpus, "rb") as f:
    # The corpus lines start with a 32-byte RFC 3339 timestamp and a space.
    lines = [line[33:] for line in f.read().split(b"\n") if len(line) > 33]
batch = max(1, rate // 20)  # 20 appends per second
total = int(rate * seconds)
written = 0
index = 0
start = time.monotonic()
with open(out, "ab", buffering=0) as f:
    while written < total:
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00").encode()
        chunk = []
        for _ in range(min(batch, total - written)):
            chunk.append(now + b" " + lines[index])
            index = (index + 1) % len(lines)
        f.write(b"\n".join(chunk) + b"\n")
        written += len(chunk)
        target = start + written / rate
        delay = target - time.monotonic()
        if delay > 0:
            time.sleep(delay)
end = time.time()
print(f"{end:.3f} {written} {written / (time.monotonic() - start):.0f}")
