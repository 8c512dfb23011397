-- One row per app client seen by the service. Times are Unix milliseconds (UTC).
CREATE TABLE IF NOT EXISTS cognito_client_activity (
    client_id     TEXT    NOT NULL PRIMARY KEY,
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    request_count INTEGER NOT NULL DEFAULT 0
);
