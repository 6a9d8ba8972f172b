"""A throwaway PostgreSQL server on 127.0.0.1 for tests.

The server itself comes from `tests.support.services.postgres_server` (also used by
`make scale-test`): Debian's `postgresql` is installed when the binaries are
missing (the machines CI runs on start without it). The tests skip, with the
reason, only when that is impossible (not root, no apt).
"""
from __future__ import annotations

import contextlib
from typing import Iterator

import pytest

from tests.support import services


def postgres_server() -> Iterator[str]:
    """Yield the URL of database `unknot` on a fresh server (not created: Rasa
    creates it through ?login_db=); stop and delete the server afterwards."""
    with contextlib.ExitStack() as stack:
        try:
            url = stack.enter_context(services.postgres_server(create=False))
        except services.ServiceUnavailable as why:
            pytest.skip(str(why))
        yield url
