-- Shared items (#19). A plan that names a group as responsible (各县（区）政府, 市直有关部门)
-- means every member fixes its own part: the group is kept at its place in the item's list
-- (item_groups, numbered with item_units) and each member's part is a task (item_tasks).
-- A group that leads the item is kept as items.lead_group; lead_unit_id is then the city.

CREATE TABLE item_groups (
    item_id BIGINT NOT NULL REFERENCES items (id),
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    PRIMARY KEY (item_id, seq)
);

ALTER TABLE items ADD COLUMN lead_group TEXT;

-- state: pending, working, done, accepted or exempt (rectify_core::task::TaskState).
CREATE TABLE item_tasks (
    item_id BIGINT NOT NULL REFERENCES items (id),
    unit_id BIGINT NOT NULL REFERENCES org_units (id),
    state TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    changed_on TEXT,
    changed_by TEXT,
    -- 1=2026-05-03,3=2026-06-01: measures the member's reports marked done, and when.
    measures_done TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (item_id, unit_id)
);

CREATE INDEX item_tasks_unit ON item_tasks (unit_id);

-- The members of a group other than the counties (市直有关部门 …), kept by the office, keyed
-- by rectify_core::org::names::key of the group's name.
CREATE TABLE org_groups (
    group_key TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units (id),
    PRIMARY KEY (group_key, unit_id)
);

-- A file filed for one member's task (a report's photo, the completion proof, the office's
-- 不涉及 document); NULL for the item's own files.
ALTER TABLE evidence ADD COLUMN task_unit_id BIGINT REFERENCES org_units (id);
