-- Air monitoring data for the web pages, and settings (yearly targets among them).
-- Values are micro-units (millionths of µg/m³, or of mg/m³ for CO): exact and compact.
-- hour is the slot 0..23 of the end-labelled hour (0 = 00:00–01:00).

CREATE TABLE air_stations (
    id {{id}},
    name TEXT NOT NULL UNIQUE,
    city TEXT
);

CREATE TABLE air_hourly (
    station_id BIGINT NOT NULL REFERENCES air_stations (id),
    date TEXT NOT NULL,
    hour INTEGER NOT NULL CHECK (hour BETWEEN 0 AND 23),
    so2 BIGINT,
    no2 BIGINT,
    co BIGINT,
    o3 BIGINT,
    pm10 BIGINT,
    pm25 BIGINT,
    dust INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (station_id, date, hour)
);

CREATE INDEX air_hourly_date ON air_hourly (date);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
