-- The outbox of dispatch steps sent outside the app (#21): one row per step and target (an
-- e-mail address or a group robot's URL), written in the transaction that issues the step, so
-- no step is lost between issuing and sending. A failed try waits and is tried again; after
-- the last try the office sees it failed and may send it again.
CREATE TABLE deliveries (
    id {{id}},
    escalation_id BIGINT NOT NULL REFERENCES escalations (id),
    channel TEXT NOT NULL,
    target TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    -- A sender working on it until then (several server processes share the outbox).
    claimed_until TEXT,
    last_error TEXT,
    sent_at TEXT,
    UNIQUE (escalation_id, channel, target)
);
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
