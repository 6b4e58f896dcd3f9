-- The login throttle, one row per account (`user:NAME`) and per client address (`addr:IP`):
-- failures since the last success and the last failure's time. One row per key, updated in
-- place inside a locked transaction, so parallel attempts are checked and counted one at a time
-- (the counting of separate rows in 0007 let 25 parallel attempts all pass a limit of 5).
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    last_at TEXT NOT NULL
);

DROP TABLE login_failures;

-- The portal's post throttle, one row per client address: when its hour began and the posts
-- in it, checked and counted by one upsert (0010 counted rows, so 20 parallel posts stored 7
-- under a limit of 5, and every post added a row).
CREATE TABLE post_throttle (
    key TEXT PRIMARY KEY,
    window_start TEXT NOT NULL,
    posts BIGINT NOT NULL
);

DROP TABLE public_posts;
