-- Tokens for scripts calling the API. The id is the SHA-256 of the token, which is shown once.
CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0,
    UNIQUE (user_id, name)
);
