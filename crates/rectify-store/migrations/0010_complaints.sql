-- Transferred public complaints (督察组转办信访件), their spot-checks, and the publications the
-- public portal serves.
CREATE TABLE complaint_batches (
    id {{id}},
    -- The inspection team or round the batch came from ("中央第一生态环境保护督察组").
    source TEXT NOT NULL,
    number INTEGER NOT NULL,
    transferred_on TEXT NOT NULL,
    due_days INTEGER NOT NULL,
    day_mode TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    UNIQUE (source, number)
);

CREATE TABLE complaints (
    id {{id}},
    batch_id BIGINT NOT NULL REFERENCES complaint_batches (id),
    seq INTEGER NOT NULL,
    received_no TEXT NOT NULL UNIQUE,
    channel TEXT NOT NULL,
    region TEXT,
    -- Pollution-type codes joined by ','; the cell as written is kept beside them.
    types TEXT NOT NULL,
    types_raw TEXT NOT NULL DEFAULT '',
    industry TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL,
    -- Private: never published.
    contact TEXT NOT NULL DEFAULT '',
    key_case INTEGER NOT NULL DEFAULT 0,
    -- Confirmed by the office (重复件) and suggested at import.
    repeat_of BIGINT REFERENCES complaints (id),
    suggested_repeat_of BIGINT REFERENCES complaints (id),
    suggested_item_id BIGINT REFERENCES items (id),
    suggested_site TEXT NOT NULL DEFAULT '',
    unit_id BIGINT REFERENCES org_units (id),
    due_on TEXT NOT NULL,
    investigation TEXT NOT NULL DEFAULT '',
    verdict TEXT,
    ordered_count INTEGER NOT NULL DEFAULT 0,
    penalised_count INTEGER NOT NULL DEFAULT 0,
    -- Yuan as an exact decimal string.
    penalty_yuan TEXT NOT NULL DEFAULT '0',
    criminal_cases INTEGER NOT NULL DEFAULT 0,
    detained INTEGER NOT NULL DEFAULT 0,
    interviewed INTEGER NOT NULL DEFAULT 0,
    held_accountable INTEGER NOT NULL DEFAULT 0,
    result TEXT NOT NULL DEFAULT '',
    accountability_text TEXT NOT NULL DEFAULT '',
    handling TEXT,
    reported_on TEXT,
    follow_up TEXT NOT NULL DEFAULT '',
    returns INTEGER NOT NULL DEFAULT 0,
    UNIQUE (batch_id, seq)
);
CREATE INDEX complaints_batch ON complaints (batch_id);
CREATE INDEX complaints_unit ON complaints (unit_id);

-- A new complaint at the site of a signed-off item: a proposal to reopen it.
CREATE TABLE item_rebounds (
    id {{id}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    flagged_on TEXT NOT NULL,
    site TEXT NOT NULL,
    UNIQUE (item_id, complaint_id)
);

CREATE TABLE spotcheck_rounds (
    id {{id}},
    drawn_on TEXT NOT NULL,
    -- u64 as decimal text: PostgreSQL has no unsigned 64-bit integer.
    seed TEXT NOT NULL,
    population INTEGER NOT NULL,
    drawn_by TEXT NOT NULL
);

CREATE TABLE spotchecks (
    round_id BIGINT NOT NULL REFERENCES spotcheck_rounds (id),
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    draw_order INTEGER NOT NULL,
    verdict TEXT,
    reason TEXT NOT NULL DEFAULT '',
    checked_by TEXT,
    checked_on TEXT,
    PRIMARY KEY (round_id, complaint_id)
);

-- A frozen, versioned snapshot of what the public portal shows, already redacted.
CREATE TABLE publications (
    id {{id}},
    version INTEGER NOT NULL UNIQUE,
    snapshot_on TEXT NOT NULL,
    approved_by TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    scope TEXT NOT NULL,
    content_json TEXT NOT NULL,
    sha256 TEXT NOT NULL
);

-- Objections posted on the portal, by client address, for throttling.
CREATE TABLE public_posts (
    key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX public_posts_key ON public_posts (key, at);
