#!/usr/bin/env python3
"""The Python peer: fetches every URL of a file with aiohttp, at most -j at once, bodies discarded.

One ClientSession (one keep-alive pool), a semaphore of -j taken before each task is created so
that the URL list is streamed rather than turned into one task per URL up front.
"""
import argparse
import asyncio
import ssl
import sys

import aiohttp


async def fetch(session: aiohttp.ClientSession, url: str, sem: asyncio.Semaphore, stats: dict) -> None:
    try:
        async with session.get(url) as resp:
            async for _ in resp.content.iter_any():
                pass
            if resp.status < 400:
                stats["ok"] += 1
            else:
                stats["failed"] += 1
    except Exception as e:  # noqa: BLE001 - a failed URL is counted, not fatal
        stats["failed"] += 1
        if stats["failed"] <= 3:
            print(f"{url}: {e!r}", file=sys.stderr)
    finally:
        sem.release()


async def run(args: argparse.Namespace) -> int:
    ssl_ctx = ssl.create_default_context(cafile=args.cacert) if args.cacert else None
    connector = aiohttp.TCPConnector(limit=args.jobs, limit_per_host=args.jobs, ssl=ssl_ctx)
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=10, sock_read=30)
    sem = asyncio.Semaphore(args.jobs)
    stats = {"ok": 0, "failed": 0}
    tasks = set()
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, auto_decompress=False) as session:
        with open(args.input, encoding="utf-8") as f:
            for line in f:
                url = line.strip()
                if not url or url.startswith("#"):
                    continue
                await sem.acquire()
                t = asyncio.create_task(fetch(session, url, sem, stats))
                tasks.add(t)
                t.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.gather(*tasks)
    return 0 if stats["failed"] == 0 else 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("-j", "--jobs", type=int, default=64)
    p.add_argument("--cacert")
    p.add_argument("input", help="file with one URL a line")
    return asyncio.run(run(p.parse_args()))


if __name__ == "__main__":
    sys.exit(main())
