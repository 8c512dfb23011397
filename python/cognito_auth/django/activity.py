"""Client activity tracking (``TRACK_CLIENT_ACTIVITY``): authentications are counted in
memory and written per client at most once per ``ACTIVITY_INTERVAL`` seconds (default 60)
per process, so a busy client costs one ``UPDATE`` a minute, not one per request. A write
that fails is logged; it never fails the request."""

from __future__ import annotations

import logging
import threading
import time

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cognito_auth._native import VerifiedToken

from . import conf

logger = logging.getLogger("cognito_auth.django")

__all__ = ["flush", "record"]

_MAX_CLIENTS = 10_000
_lock = threading.Lock()
# client_id -> (requests not written yet, monotonic time of the last write)
_pending: dict[str, tuple[int, float]] = {}


def record(principal: VerifiedToken) -> None:
    """Counts one authentication of the principal's client; writes when due."""
    if not conf.values()["TRACK_CLIENT_ACTIVITY"]:
        return
    interval = float(conf.get_setting("ACTIVITY_INTERVAL") or 0)
    now = time.monotonic()
    client = principal.client_id
    with _lock:
        count, last = _pending.get(client, (0, float("-inf")))
        count += 1
        due = now - last >= interval
        if due:
            _pending[client] = (0, now)
        elif client in _pending or len(_pending) < _MAX_CLIENTS:
            _pending[client] = (count, last)
    if due:
        _write(client, count)


def flush() -> None:
    """Writes every count not written yet (tests, shutdown hooks)."""
    with _lock:
        items = [(c, n) for c, (n, _) in _pending.items() if n]
        now = time.monotonic()
        for c, _ in items:
            _pending[c] = (0, now)
    for client, count in items:
        _write(client, count)


def _write(client: str, count: int) -> None:
    from .models import ServiceClientActivity

    now = timezone.now()
    try:
        with transaction.atomic():
            updated = ServiceClientActivity.objects.filter(client_id=client).update(
                last_seen_at=now, requests=F("requests") + count)
            if not updated:
                ServiceClientActivity.objects.create(
                    client_id=client, first_seen_at=now, last_seen_at=now, requests=count)
    except IntegrityError:
        ServiceClientActivity.objects.filter(client_id=client).update(
            last_seen_at=now, requests=F("requests") + count)
    except DatabaseError as exc:
        logger.warning("client activity not recorded for %s: %s", client, exc)
