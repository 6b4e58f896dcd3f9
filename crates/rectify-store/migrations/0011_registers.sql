-- Standing registers beside the plan (散乱污, construction sites, contaminated plots, …): one
-- table of entries for every kind, the kind's own fields as JSON that rectify-core types.
CREATE TABLE register_entries (
    id {{id}},
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    credit_code TEXT,
    address TEXT NOT NULL DEFAULT '',
    county_id BIGINT NOT NULL REFERENCES org_units (id),
    township TEXT NOT NULL DEFAULT '',
    longitude TEXT,
    latitude TEXT,
    state TEXT NOT NULL,
    details_json TEXT NOT NULL,
    rebounds INTEGER NOT NULL DEFAULT 0,
    created_on TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (kind, county_id, name)
);
CREATE INDEX register_entries_kind ON register_entries (kind, state);

-- Every state change with its business day, for the timeline and the monthly sheets.
CREATE TABLE register_moves (
    id {{id}},
    entry_id BIGINT NOT NULL REFERENCES register_entries (id),
    on_date TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    rebound INTEGER NOT NULL DEFAULT 0,
    actor TEXT NOT NULL
);
CREATE INDEX register_moves_entry ON register_moves (entry_id);

CREATE TABLE register_inspections (
    id {{id}},
    entry_id BIGINT NOT NULL REFERENCES register_entries (id),
    on_date TEXT NOT NULL,
    inspector TEXT NOT NULL,
    lines_json TEXT NOT NULL,
    finding TEXT NOT NULL DEFAULT '',
    activity_found INTEGER NOT NULL DEFAULT 0,
    deadline TEXT,
    rechecks BIGINT REFERENCES register_inspections (id),
    recorded_by TEXT NOT NULL
);
CREATE INDEX register_inspections_entry ON register_inspections (entry_id);

-- Files in the attachment store (by SHA-256), on an entry or one of its inspections.
CREATE TABLE register_evidence (
    id {{id}},
    entry_id BIGINT NOT NULL REFERENCES register_entries (id),
    inspection_id BIGINT REFERENCES register_inspections (id),
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);
CREATE INDEX register_evidence_entry ON register_evidence (entry_id);

-- Ledger items and complaints an entry belongs with.
CREATE TABLE register_links (
    entry_id BIGINT NOT NULL REFERENCES register_entries (id),
    item_id BIGINT REFERENCES items (id),
    complaint_id BIGINT REFERENCES complaints (id),
    linked_on TEXT NOT NULL
);
CREATE INDEX register_links_entry ON register_links (entry_id);

-- Special inspections (专项督察, 明察暗访) and what they found.
CREATE TABLE inspection_rounds (
    id {{id}},
    name TEXT NOT NULL,
    mode TEXT NOT NULL,
    scope TEXT NOT NULL,
    team TEXT NOT NULL,
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE TABLE round_findings (
    id {{id}},
    round_id BIGINT NOT NULL REFERENCES inspection_rounds (id),
    found_on TEXT NOT NULL,
    description TEXT NOT NULL,
    outcome TEXT NOT NULL,
    item_id BIGINT REFERENCES items (id),
    entry_id BIGINT REFERENCES register_entries (id),
    recorded_by TEXT NOT NULL
);
CREATE INDEX round_findings_round ON round_findings (round_id);

-- Files in the attachment store, by SHA-256, behind each finding.
CREATE TABLE round_evidence (
    id {{id}},
    finding_id BIGINT NOT NULL REFERENCES round_findings (id),
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL
);

-- Coal consumption per county and month (万吨 as exact decimal text), and each county's yearly
-- cap and clean-heating households (target, switched to gas, to electricity).
CREATE TABLE coal_months (
    county_id BIGINT NOT NULL REFERENCES org_units (id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    tons TEXT NOT NULL,
    PRIMARY KEY (county_id, year, month)
);

CREATE TABLE coal_targets (
    county_id BIGINT NOT NULL REFERENCES org_units (id),
    year INTEGER NOT NULL,
    cap TEXT,
    heating_target INTEGER NOT NULL DEFAULT 0,
    heating_gas INTEGER NOT NULL DEFAULT 0,
    heating_electric INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (county_id, year)
);
