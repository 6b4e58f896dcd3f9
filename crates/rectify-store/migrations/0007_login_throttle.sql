-- Failed logins, by account and by client address, for throttling.
CREATE TABLE login_failures (
    key TEXT NOT NULL,
    at TEXT NOT NULL
);

CREATE INDEX login_failures_key ON login_failures (key, at);
