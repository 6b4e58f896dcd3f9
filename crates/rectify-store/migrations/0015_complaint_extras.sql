-- Columns a transfer list has beyond the known ones (备注 …), kept with each complaint as a
-- JSON array of {"label", "text"} in the list's column order (#20).
ALTER TABLE complaints ADD COLUMN extras TEXT NOT NULL DEFAULT '[]';
