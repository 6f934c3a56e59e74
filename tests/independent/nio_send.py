"""An independent Matrix client (matrix-nio with E2EE) that sends into a room of the core.

Usage: nio_send.py HOMESERVER USER ROOM_ID STORE_DIR TEXT...   (password in NIO_PASSWORD)
Logs in (reusing its device from STORE_DIR), joins the room if invited, and sends each TEXT
encrypted to every device of every member, trusting them unverified, as a client of another
vendor would when the users never verified each other. Prints one event id per line.
"""
import asyncio
import json
import os
import pathlib
import sys

from nio import AsyncClient, AsyncClientConfig, JoinError, LoginResponse, RoomSendResponse


async def main() -> int:
    homeserver, user, room_id, store, *texts = sys.argv[1:]
    store_dir = pathlib.Path(store)
    store_dir.mkdir(parents=True, exist_ok=True)
    device_file = store_dir / "device.json"
    config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True)
    client = AsyncClient(homeserver, user, store_path=str(store_dir), config=config)
    if device_file.exists():
        saved = json.loads(device_file.read_text())
        client.restore_login(user, saved["device_id"], saved["access_token"])
    else:
        login = await client.login(os.environ["NIO_PASSWORD"], device_name="nio independent sender")
        if not isinstance(login, LoginResponse):
            print(f"login failed: {login}", file=sys.stderr)
            return 1
        device_file.write_text(json.dumps({"device_id": login.device_id, "access_token": login.access_token}))
        device_file.chmod(0o600)
    try:
        await client.sync(timeout=0, full_state=True)
        if room_id not in client.rooms:
            joined = await client.join(room_id)
            if isinstance(joined, JoinError):
                print(f"join failed: {joined}", file=sys.stderr)
                return 1
            await client.sync(timeout=0, full_state=True)
        # The members' current device lists, as every careful sender fetches them.
        if client.should_query_keys:
            await client.keys_query()
        for text in texts:
            sent = await client.room_send(
                room_id,
                "m.room.message",
                {"msgtype": "m.text", "body": text},
                ignore_unverified_devices=True,
            )
            if not isinstance(sent, RoomSendResponse):
                print(f"send failed: {sent}", file=sys.stderr)
                return 1
            print(sent.event_id)
        return 0
    finally:
        await client.close()


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
