-- 移送 (件), the 一览表 figure of cases handed to the police or the discipline commission, beside
-- the other figures of migration 0010 (#21).
ALTER TABLE complaints ADD COLUMN transferred_cases INTEGER NOT NULL DEFAULT 0;
-- The office's answers to an import's suggestions (#21): the plan item a complaint was confirmed
-- to concern (the suggestion is cleared either way), and who confirmed a rebound flag (a
-- dismissed flag is deleted, so it no longer counts for accountability).
ALTER TABLE complaints ADD COLUMN item_id BIGINT REFERENCES items (id);
ALTER TABLE item_rebounds ADD COLUMN confirmed_by TEXT;
