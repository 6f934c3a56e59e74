"""matrix-nio as make bench's independent E2EE peer (matrix-nio 0.26 on vodozemac, from PyPI).

Usage: nio_bench_peer.py HS1 HS2 SENDER LOCAL REMOTE DIR   (passwords in NIO_PEER_PASSWORDS,
comma-separated, same order). Three clients: a sender and a receiver on HS1, a receiver on
HS2, each with its own sync loop (nio's default filter) and an event callback; two Megolm
rooms of the sender, one per receiver. Prints "ready", then answers each stdin line
"local TEXT" or "fed TEXT" with the milliseconds from the start of the send to the
receiver's callback for that text. Shares no code with the client under test.
"""
import asyncio
import os
import shutil
import sys
import time

from nio import (
    AsyncClient,
    AsyncClientConfig,
    JoinResponse,
    LoginResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomMessageText,
    RoomSendResponse,
)

WAIT = 15.0
ENCRYPTION = {"type": "m.room.encryption", "state_key": "", "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


class Peer:
    def __init__(self, homeserver, user, store):
        os.makedirs(store, exist_ok=True)
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False)
        self.client = AsyncClient(homeserver, user, store_path=store, config=config)
        self.waiting = {}
        self.client.add_event_callback(self.on_text, RoomMessageText)
        self.client.add_event_callback(self.on_undecryptable, MegolmEvent)
        self.task = None

    async def on_text(self, room, event):
        found = self.waiting.pop(event.body, None)
        if found is not None and not found.done():
            found.set_result(time.perf_counter())

    async def on_undecryptable(self, room, event):
        print(f"nio peer: {self.client.user_id} cannot decrypt {event.event_id}", file=sys.stderr)

    async def start(self, password):
        login = await self.client.login(password, device_name="nio bench peer")
        if not isinstance(login, LoginResponse):
            raise RuntimeError(f"login of {self.client.user}: {login}")
        await self.client.sync(timeout=0, full_state=True)
        self.task = asyncio.create_task(self.client.sync_forever(timeout=30000))

    def expect(self, text):
        future = asyncio.get_running_loop().create_future()
        self.waiting[text] = future
        return future

    async def stop(self):
        if self.task:
            self.task.cancel()
        await self.client.logout()
        await self.client.close()


async def pair(sender, receiver, name):
    created = await sender.client.room_create(name=name, invite=[receiver.client.user_id], initial_state=[ENCRYPTION])
    if not isinstance(created, RoomCreateResponse):
        raise RuntimeError(f"room_create: {created}")
    deadline = time.monotonic() + WAIT
    while not isinstance(await receiver.client.join(created.room_id), JoinResponse):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{receiver.client.user_id} never joined {created.room_id}")
        await asyncio.sleep(0.1)
    # The sender must see the join before its first message, or the key skips the receiver.
    while True:
        room = sender.client.rooms.get(created.room_id)
        if room is not None and receiver.client.user_id in room.users:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the sender never saw the join")
        await asyncio.sleep(0.05)
    return created.room_id


async def deliver(sender, receiver, room_id, text):
    seen = receiver.expect(text)
    t0 = time.perf_counter()
    sent = await sender.client.room_send(
        room_id, "m.room.message", {"msgtype": "m.text", "body": text}, ignore_unverified_devices=True
    )
    if not isinstance(sent, RoomSendResponse):
        raise RuntimeError(f"room_send: {sent}")
    at = await asyncio.wait_for(seen, WAIT)
    return (at - t0) * 1000.0


async def main():
    hs1, hs2, sender_id, local_id, remote_id, store = sys.argv[1:]
    passwords = os.environ["NIO_PEER_PASSWORDS"].split(",")
    shutil.rmtree(store, ignore_errors=True)
    sender = Peer(hs1, sender_id, os.path.join(store, "sender"))
    local = Peer(hs1, local_id, os.path.join(store, "local"))
    remote = Peer(hs2, remote_id, os.path.join(store, "remote"))
    peers = [sender, local, remote]
    try:
        for peer, password in zip(peers, passwords):
            await peer.start(password)
        rooms = {
            "local": (local, await pair(sender, local, "nio peer, same homeserver")),
            "fed": (remote, await pair(sender, remote, "nio peer, federated")),
        }
        print("ready", flush=True)
        reader = asyncio.StreamReader()
        await asyncio.get_running_loop().connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
        while line := (await reader.readline()).decode():
            target, text = line.rstrip("\n").split(" ", 1)
            receiver, room_id = rooms[target]
            print(f"{await deliver(sender, receiver, room_id, text):.3f}", flush=True)
    finally:
        for peer in peers:
            await peer.stop()


if __name__ == "__main__":
    asyncio.run(main())
