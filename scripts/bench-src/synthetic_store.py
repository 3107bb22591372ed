"""What the synthetic store writers (make_session.py, make_store.py) share: the store's
folders and log files made as agentops-run makes them, session and event ids from the
writer's seeded generator, and records written as the session log holds them."""
import json
import os
import uuid


def sessions_folder(home):
    """`home/sessions`, made owner-only (0700) with `home`, as agentops-run makes them."""
    folder = os.path.join(home, "sessions")
    os.makedirs(folder, mode=0o700, exist_ok=True)
    os.chmod(home, 0o700)
    return folder


def new_id(rng):
    """A version 4 UUID from `rng`, so that the same seed writes the same store."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def ts(moment):
    """A timestamp as the session log writes it (ISO 8601, microseconds, offset)."""
    return moment.isoformat(timespec="microseconds")


def open_log(folder, sid):
    """Session `sid`'s log in `folder`, created owner-only (0600) as agentops-run creates it."""
    return open(os.open(os.path.join(folder, sid + ".jsonl"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w")


def line(record):
    """`record` as one line of a session log."""
    return json.dumps(record, separators=(",", ":")) + "\n"
