#!/usr/bin/env python3
"""Writes the benchmark's data: small files, one large file and the URL lists (deterministic)."""
import argparse
import os
import random


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("root", help="directory nginx serves (www/ is created inside)")
    p.add_argument("--small", type=int, default=10_000, help="number of small files")
    p.add_argument("--min-size", type=int, default=512)
    p.add_argument("--max-size", type=int, default=1536)
    p.add_argument("--big-bytes", type=int, default=100 * 1024 * 1024)
    args = p.parse_args()

    rng = random.Random(20240601)
    small_dir = os.path.join(args.root, "www", "small")
    os.makedirs(small_dir, exist_ok=True)
    for i in range(args.small):
        size = rng.randint(args.min_size, args.max_size)
        with open(os.path.join(small_dir, f"{i:05d}.bin"), "wb") as f:
            f.write(rng.randbytes(size))

    big = os.path.join(args.root, "www", "big.bin")
    chunk = rng.randbytes(1 << 20)
    with open(big, "wb") as f:
        left = args.big_bytes
        while left > 0:
            n = min(left, len(chunk))
            f.write(chunk[:n])
            left -= n


if __name__ == "__main__":
    main()
