-- Foundation: organisation tree, people, users and roles, and the append-only journal.
-- Portable SQL; {{id}} expands to each backend's auto-increment primary key. Sections after a
-- "-- @sqlite" or "-- @postgres" line apply to that backend only.

CREATE TABLE org_units (
    id {{id}},
    parent_id BIGINT REFERENCES org_units (id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE people (
    id {{id}},
    name TEXT NOT NULL,
    position TEXT NOT NULL DEFAULT '',
    unit_id BIGINT NOT NULL REFERENCES org_units (id),
    UNIQUE (name, position)
);

CREATE TABLE users (
    id {{id}},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    unit_id BIGINT NOT NULL REFERENCES org_units (id),
    password_hash TEXT NOT NULL,
    -- 0/1 rather than BOOLEAN: sqlx's Any driver cannot decode SQLite booleans.
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

CREATE TABLE user_roles (
    user_id BIGINT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE journal (
    seq BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE
);

CREATE INDEX journal_entity ON journal (entity, entity_id);

-- @sqlite
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only: UPDATE rejected');
END;

CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, 'journal is append-only: DELETE rejected');
END;

-- @postgres
CREATE FUNCTION journal_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal is append-only: % rejected', TG_OP;
END;
$$;

CREATE TRIGGER journal_no_update_delete BEFORE UPDATE OR DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_append_only();

CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION journal_append_only();
