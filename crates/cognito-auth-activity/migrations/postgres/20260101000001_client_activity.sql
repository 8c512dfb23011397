-- One row per app client seen by the service.
CREATE TABLE IF NOT EXISTS cognito_client_activity (
    client_id     TEXT        NOT NULL PRIMARY KEY,
    first_seen_at TIMESTAMPTZ NOT NULL,
    last_seen_at  TIMESTAMPTZ NOT NULL,
    request_count BIGINT      NOT NULL DEFAULT 0
);
