-- The strings the office hid by hand when it approved a publication (#21), as a JSON array:
-- notices recorded after it are public at once and go through the same list.
ALTER TABLE publications ADD COLUMN hide_json TEXT NOT NULL DEFAULT '[]';
