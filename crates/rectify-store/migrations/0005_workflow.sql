-- The workflow record of each item, measure completion, evidence files, public-notice
-- objections and monthly progress reports.

ALTER TABLE items ADD COLUMN notice_opened TEXT;
ALTER TABLE items ADD COLUMN notice_last_day TEXT;
ALTER TABLE items ADD COLUMN objection_upheld INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN accountability INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN leader_signed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN requires_upper_review INTEGER NOT NULL DEFAULT 0;
ALTER TABLE items ADD COLUMN next_recheck TEXT;
ALTER TABLE items ADD COLUMN amendment_deadline TEXT;
ALTER TABLE items ADD COLUMN amendment_reason TEXT;
ALTER TABLE items ADD COLUMN rework_due TEXT;
-- The deadline text before the first approved amendment; statistics count against it.
ALTER TABLE items ADD COLUMN original_deadline_text TEXT;

ALTER TABLE item_measures ADD COLUMN done_on TEXT;

-- A file is never deleted: a new version names the one it supersedes.
CREATE TABLE evidence (
    id {{id}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    size BIGINT NOT NULL,
    media_type TEXT NOT NULL,
    uploaded_by TEXT NOT NULL,
    uploaded_at TEXT NOT NULL,
    supersedes BIGINT REFERENCES evidence (id)
);

CREATE INDEX evidence_item ON evidence (item_id);

-- status: pending, upheld or dismissed. The contact is private: never shown publicly.
CREATE TABLE objections (
    id {{id}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    received_on TEXT NOT NULL,
    source TEXT NOT NULL,
    content TEXT NOT NULL,
    contact TEXT NOT NULL,
    status TEXT NOT NULL,
    decision TEXT NOT NULL DEFAULT '',
    decided_by TEXT,
    recorded_by TEXT NOT NULL
);

CREATE INDEX objections_item ON objections (item_id);

-- One report per item, unit and period; a correction of a closed period is a new row naming
-- the report it corrects. status: submitted, confirmed or returned.
CREATE TABLE progress_reports (
    id {{id}},
    item_id BIGINT NOT NULL REFERENCES items (id),
    unit_id BIGINT NOT NULL REFERENCES org_units (id),
    period TEXT NOT NULL,
    text TEXT NOT NULL,
    done_measures TEXT NOT NULL,
    self_schedule TEXT NOT NULL,
    evidence_ids TEXT NOT NULL,
    status TEXT NOT NULL,
    submitted_by TEXT NOT NULL,
    submitted_on TEXT NOT NULL,
    late INTEGER NOT NULL,
    reviewed_by TEXT,
    review_note TEXT NOT NULL DEFAULT '',
    corrects BIGINT REFERENCES progress_reports (id)
);

CREATE INDEX progress_reports_period ON progress_reports (period, item_id, unit_id);
