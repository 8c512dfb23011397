"""``ServiceClientActivity``: first and last authentication per app client."""

from __future__ import annotations

from django.db import models


class ServiceClientActivity(models.Model):
    """One row per app client; ``last_seen_at`` is written at most once per
    ``ACTIVITY_INTERVAL`` seconds per client and process."""

    client_id = models.CharField(max_length=255, unique=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    requests = models.BigIntegerField(default=0)

    class Meta:
        app_label = "cognito_auth"
        ordering = ["client_id"]
        verbose_name = "service client activity"
        verbose_name_plural = "service client activity"

    def __str__(self) -> str:
        return self.client_id
