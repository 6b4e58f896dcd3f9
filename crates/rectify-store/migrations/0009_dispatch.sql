-- Monthly dispatch: criticisms of an item's handling by the province or above (a red rule),
-- and frozen bulletins (the facts of a period as computed when the bulletin was generated).
CREATE TABLE criticisms (
    id {{id}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    on_date TEXT NOT NULL,
    by_whom TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX criticisms_item ON criticisms (item_id);

CREATE TABLE bulletins (
    id {{id}},
    period TEXT NOT NULL,
    version INTEGER NOT NULL,
    -- The date printed on the bulletin (China time).
    issued_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    facts_json TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    UNIQUE (period, version)
);

-- Decisions on accountability candidates (问责), by the candidate's key (rule and target); the
-- items behind the candidate at the time are kept with the decision.
CREATE TABLE accountability_decisions (
    id {{id}},
    candidate_key TEXT NOT NULL,
    items TEXT NOT NULL,
    organ TEXT NOT NULL,
    decided_on TEXT NOT NULL,
    form TEXT NOT NULL,
    outcome TEXT NOT NULL,
    published INTEGER NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
CREATE INDEX accountability_decisions_key ON accountability_decisions (candidate_key);

-- Dispatch rounds (调度): one per month; the escalation steps issued to units in it, and the
-- in-app inbox each step is delivered to.
CREATE TABLE dispatch_rounds (
    id {{id}},
    period TEXT NOT NULL UNIQUE,
    report_due TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    opened_by TEXT NOT NULL
);

CREATE TABLE escalations (
    id {{id}},
    round_id BIGINT NOT NULL REFERENCES dispatch_rounds (id),
    unit_id BIGINT NOT NULL REFERENCES org_units (id),
    step TEXT NOT NULL,
    items TEXT NOT NULL,
    reason TEXT NOT NULL,
    issued_on TEXT NOT NULL,
    issued_by TEXT NOT NULL,
    UNIQUE (round_id, unit_id, step)
);

CREATE TABLE inbox (
    id {{id}},
    unit_id BIGINT NOT NULL REFERENCES org_units (id),
    escalation_id BIGINT REFERENCES escalations (id),
    created_at TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX inbox_unit ON inbox (unit_id);

-- Cases the inspection team transfers for accountability (移交责任追究问题, rule 6): mandatory
-- candidates, tracked until a decision is recorded.
CREATE TABLE accountability_transfers (
    id {{id}},
    target TEXT NOT NULL,
    case_text TEXT NOT NULL,
    received_on TEXT NOT NULL,
    items TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
