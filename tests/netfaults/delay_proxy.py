#!/usr/bin/env python3
"""A TCP relay that holds every chunk DELAY_MS +- JITTER_MS (uniform) in each direction, for
kernels without tc netem (tests/netfaults/run.sh). Order within a connection is kept, as TCP
would deliver it after reassembling reordered packets; the delay is what the programs on both
ends see.

    delay_proxy.py LISTEN_HOST LISTEN_PORT TARGET_HOST TARGET_PORT DELAY_MS JITTER_MS
"""
import asyncio
import random
import sys


async def pipe(reader, writer, delay, jitter):
    queue = asyncio.Queue()
    loop = asyncio.get_running_loop()

    async def release():
        while True:
            due, data = await queue.get()
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.create_task(release())
    last = 0.0
    try:
        while True:
            data = await reader.read(65536)
            due = max(last, loop.time() + (delay + random.uniform(-jitter, jitter)) / 1000)
            last = due
            await queue.put((due, data or None))
            if not data:
                break
    except (ConnectionError, OSError):
        await queue.put((0, None))
    try:
        await sender
    except (ConnectionError, OSError):
        pass


async def main():
    host, port, thost, tport, delay, jitter = sys.argv[1:7]
    delay, jitter = float(delay), float(jitter)

    async def serve(reader, writer):
        try:
            treader, twriter = await asyncio.open_connection(thost, int(tport))
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, twriter, delay, jitter),
                             pipe(treader, writer, delay, jitter))

    server = await asyncio.start_server(serve, host, int(port))
    async with server:
        await server.serve_forever()


asyncio.run(main())
