"""Run calls at the same moment in threads, each on its own database connection, for tests of
concurrent writers (PostgreSQL row locks; SQLite serialises whole transactions)."""

from __future__ import annotations

import threading
from collections.abc import Callable

from wuyetong.core.exceptions import ApplicationError


def run_at_once(calls: list[Callable[[], object]], timeout: float = 30) -> list[object]:
    """Start every call behind one barrier; return each call's result or the exception it
    raised, in order (a thread must not swallow an error the test should see)."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        from django.db import connection as thread_connection

        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except BaseException as exc:  # reported to the test
            results[i] = exc
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    return results


def outcomes(
    results: list[object],
) -> tuple[list[object], list[ApplicationError], list[BaseException]]:
    """(returned values, refusals with a user-facing message, any other error)."""
    values = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, ApplicationError)]
    errors = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, ApplicationError)
    ]
    return values, refused, errors
