"""A real HTTP server for a test's outside service (pytest-httpserver), threaded so a slow answer to one
call does not hold up the next."""

from collections.abc import Iterator
from contextlib import contextmanager

from pytest_httpserver import HTTPServer


@contextmanager
def http_server() -> Iterator[HTTPServer]:
    server = HTTPServer(threaded=True)
    server.start()
    try:
        yield server
    finally:
        server.clear()
        server.stop()
