#!/usr/bin/env python3
"""A DNS server for the "hosts" benchmark: every A question is answered with ADDRESS after DELAY ms,
every other question with an empty answer after the same delay (UDP only). Prints its port once it
listens.

    bench/fake_dns.py [--address 127.0.0.1] [--port 0] [--delay-ms 50] [--answer 127.0.0.1]
"""
import argparse
import asyncio
import socket
import struct
import sys


def reply(query: bytes, answer: bytes):
    if len(query) < 17:
        return None
    i = 12
    while i < len(query) and query[i] != 0:
        i += 1 + query[i]
    end = i + 5
    if end > len(query):
        return None
    qtype = struct.unpack("!H", query[i + 1:i + 3])[0]
    flags = 0x8180 | (struct.unpack("!H", query[2:4])[0] & 0x0100)
    records = b""
    count = 0
    if qtype == 1:
        records = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + answer
        count = 1
    header = query[:2] + struct.pack("!HHHHH", flags, 1, count, 0, 0)
    return header + query[12:end] + records


class Server(asyncio.DatagramProtocol):
    def __init__(self, delay, answer):
        self.delay = delay
        self.answer = answer
        self.transport = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        r = reply(data, self.answer)
        if r is not None:
            asyncio.get_running_loop().call_later(self.delay, self.transport.sendto, r, addr)


async def main():
    p = argparse.ArgumentParser()
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--delay-ms", type=float, default=50)
    p.add_argument("--answer", default="127.0.0.1")
    a = p.parse_args()
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(
        lambda: Server(a.delay_ms / 1000.0, socket.inet_aton(a.answer)), local_addr=(a.address, a.port))
    print(transport.get_extra_info("sockname")[1], flush=True)
    await asyncio.Event().wait()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
