"""``rescue serve --workers N``: N processes, each with its own listening socket on one port.

Each worker binds the port with SO_REUSEPORT, so the kernel spreads new connections evenly
over the workers. With one shared socket (uvicorn's own ``workers``), the busiest process
keeps winning the accepts; browsers and API clients hold their connections open, so most of
them ended up on one process while the other idled.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import socket
from types import FrameType

from rescue.web.settings import ENVIRONMENT, WebSettings, from_environment, to_environment


def listening_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def _worker(host: str, port: int) -> None:
    import uvicorn

    from rescue.web.app import create_app

    # Listening before the app starts (its warm-up takes seconds): connections hashed to this
    # worker wait in its backlog instead of all landing on a worker that started sooner.
    sock = listening_socket(host, port)
    app = create_app(from_environment(os.environ[ENVIRONMENT]))
    config = uvicorn.Config(app, log_level="warning", server_header=False)
    uvicorn.Server(config).run(sockets=[sock])


def serve_workers(settings: WebSettings, host: str, port: int, workers: int) -> None:
    """Run ``workers`` processes until Ctrl+C or SIGTERM; then stop them all."""
    os.environ[ENVIRONMENT] = to_environment(settings)
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: no copied threads
    processes = [context.Process(target=_worker, args=(host, port), daemon=True)
                 for _ in range(workers)]  # fmt: skip
    for process in processes:
        process.start()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        for process in processes:
            if process.is_alive() and process.pid is not None:
                os.kill(process.pid, signal.SIGINT)  # uvicorn's graceful stop

    signal.signal(signal.SIGTERM, stop)
    try:
        for process in processes:
            process.join()
    except KeyboardInterrupt:
        stop(signal.SIGINT, None)
        for process in processes:
            with contextlib.suppress(KeyboardInterrupt):
                process.join(timeout=30)
