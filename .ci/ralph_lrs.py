"""Runs Ralph's LRS (PyPI `ralph-malph[lrs,cli]`, France Université Numérique's learning
record store) with its filesystem backend on a loopback port, for tests/app/xapi.rs.

    python .ci/ralph_lrs.py PORT DATA_DIR [DELAY_MS]

DATA_DIR holds the statements (DATA_DIR/fs_lrs.jsonl) and the Basic-auth file
(DATA_DIR/auth.json, written by `ralph auth`). The same folder can be served again after
the process is killed: the tests kill it mid-send and start it again.

One correction, and only one: Ralph 5.1's filesystem backend writes its one statements file
with the operation CREATE, so every write after the first fails (HTTP 500, logged as
"fs_lrs.jsonl already exists and overwrite is not allowed"). Its own APPEND operation is
what a statements file needs; it is set as the backend's default here. Validation, ids,
conflicts, auth and the query API are Ralph's, untouched.

DELAY_MS (optional) makes every statements POST wait that long before Ralph handles it: a
slow LRS, so a test can kill it in the middle of a send without racing the client.
"""

import os
import sys

port = int(sys.argv[1])
data = os.path.abspath(sys.argv[2])
os.environ["RALPH_RUNSERVER_BACKEND"] = "fs"
os.environ["RALPH_APP_DIR"] = data
os.environ["RALPH_AUTH_FILE"] = os.path.join(data, "auth.json")
os.environ["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"] = data

from ralph.backends.data.base import BaseOperationType  # noqa: E402
from ralph.backends.lrs.fs import FSLRSBackend  # noqa: E402

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

import asyncio  # noqa: E402

import uvicorn  # noqa: E402
from ralph.api import app  # noqa: E402

delay = int(sys.argv[3]) / 1000 if len(sys.argv) > 3 else 0


@app.middleware("http")
async def slow_posts(request, call_next):
    if delay and request.method == "POST":
        await asyncio.sleep(delay)
    return await call_next(request)


uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")
