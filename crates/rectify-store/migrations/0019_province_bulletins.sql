-- The province's monthly bulletins (#24): each version rolls up the cities' latest frozen
-- bulletins of the month; the facts name each source city bulletin's version and digest.
-- Kept apart from `bulletins`, which the city's own rules (red streaks, anchors) read.
CREATE TABLE province_bulletins (
    id {{id}},
    period TEXT NOT NULL,
    version INTEGER NOT NULL,
    issued_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    facts_json TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    UNIQUE (period, version)
);
