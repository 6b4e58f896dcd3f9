-- Server-side login sessions, shared by every server process on the same database. The id is
-- the SHA-256 of the cookie token, so a copy of this table does not let anyone log in.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);
