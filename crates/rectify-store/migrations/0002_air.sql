-- Air monitoring data for the web pages, and settings (yearly targets among them).
-- One row per station and day: each series holds its 24 hourly values (slot 0 = 00:00–01:00,
-- end-labelled) as comma-separated micro-units (millionths of µg/m³, of mg/m³ for CO), empty
-- where an hour is missing. Exact, portable, and 24 times fewer rows to read than hourly rows.

CREATE TABLE air_stations (
    id {{id}},
    name TEXT NOT NULL UNIQUE,
    city TEXT
);

CREATE TABLE air_days (
    station_id BIGINT NOT NULL REFERENCES air_stations (id),
    date TEXT NOT NULL,
    so2 TEXT NOT NULL,
    no2 TEXT NOT NULL,
    co TEXT NOT NULL,
    o3 TEXT NOT NULL,
    pm10 TEXT NOT NULL,
    pm25 TEXT NOT NULL,
    dust INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (station_id, date)
);

CREATE INDEX air_days_date ON air_days (date);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
