-- API tokens may expire (NULL: they do not), and their last use is kept (to the minute) so an
-- administrator can see which tokens are still in use.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
ALTER TABLE api_tokens ADD COLUMN last_used_at TEXT;
