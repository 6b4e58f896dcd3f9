-- The rectification plan and its items (the 台账), and loaded working-day calendar notices.
-- Dates are YYYY-MM-DD text; lists that are only ever read whole (stages) are comma-joined.

CREATE TABLE plans (
    id {{id}},
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL DEFAULT '',
    round TEXT,
    inspection_type TEXT,
    feedback_date TEXT,
    doc_number TEXT,
    issued_on TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE items (
    id {{id}},
    plan_id BIGINT NOT NULL REFERENCES plans (id),
    number INTEGER NOT NULL,
    scope TEXT NOT NULL,
    category TEXT NOT NULL,
    source TEXT NOT NULL,
    problem TEXT NOT NULL,
    target TEXT NOT NULL,
    deadline_text TEXT NOT NULL,
    due_date TEXT,
    immediate INTEGER NOT NULL,
    sustain INTEGER NOT NULL,
    stages TEXT NOT NULL,
    needs_manual_date INTEGER NOT NULL,
    state TEXT NOT NULL,
    remarks TEXT NOT NULL,
    lead_unit_id BIGINT NOT NULL REFERENCES org_units (id),
    updated_at TEXT NOT NULL,
    UNIQUE (plan_id, number)
);

CREATE INDEX items_due_date ON items (due_date);
CREATE INDEX items_lead_unit ON items (lead_unit_id);

CREATE TABLE item_measures (
    item_id BIGINT NOT NULL REFERENCES items (id),
    seq INTEGER NOT NULL,
    text TEXT NOT NULL,
    units TEXT NOT NULL,
    due_date TEXT,
    PRIMARY KEY (item_id, seq)
);

-- Every responsible unit in listed order; the lead is also items.lead_unit_id.
CREATE TABLE item_units (
    item_id BIGINT NOT NULL REFERENCES items (id),
    seq INTEGER NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units (id),
    PRIMARY KEY (item_id, seq)
);

CREATE INDEX item_units_unit ON item_units (unit_id);

-- role: leader (责任领导) or supervisor (监管人).
CREATE TABLE item_people (
    item_id BIGINT NOT NULL REFERENCES items (id),
    role TEXT NOT NULL,
    seq INTEGER NOT NULL,
    person_id BIGINT NOT NULL REFERENCES people (id),
    PRIMARY KEY (item_id, role, seq)
);

CREATE TABLE calendar_notices (
    year INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL
);
