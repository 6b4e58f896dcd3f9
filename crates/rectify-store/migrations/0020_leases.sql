-- Work that one of several server processes does at a time (#24): the scheduler's tick. A
-- process takes a lease by name until a time; another takes it only once that time has passed,
-- in one upsert, so two processes never hold it together and a dead holder's lease runs out.
CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    held_until TEXT NOT NULL
);
