-- Surface-water sections and samples for the 水环境 page.
-- A sample's readings are one text: `code=value;…` with exact values written as fractions
-- (`7/20`), `<` before a value below the detection limit (value = the limit).

CREATE TABLE water_sections (
    id {{id}},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    water_body TEXT NOT NULL,
    target_class TEXT,
    level TEXT NOT NULL DEFAULT '',
    county TEXT NOT NULL DEFAULT '',
    river TEXT NOT NULL DEFAULT '',
    basin TEXT NOT NULL DEFAULT '',
    drinking_source INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE water_samples (
    section_id BIGINT NOT NULL REFERENCES water_sections (id),
    time TEXT NOT NULL,
    date TEXT NOT NULL,
    readings TEXT NOT NULL,
    withdrawal TEXT,
    PRIMARY KEY (section_id, time)
);

CREATE INDEX water_samples_date ON water_samples (date);
