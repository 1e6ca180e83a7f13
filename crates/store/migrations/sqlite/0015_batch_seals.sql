-- A settlement batch bound to the audit chain like the money rows (issue 14): what its
-- preparation fixed (period, event mark, preparer) is sealed by the
-- settle.prepare entry; its decision (state, decider, reason) by the settle.approve or
-- settle.reject entry, in columns of its own as an event's cancellation is. Batches already
-- stored are sealed once by this migration.
alter table settlement_batch add column audit_seq integer;
alter table settlement_batch add column row_hash text;
alter table settlement_batch add column decision_audit_seq integer;
alter table settlement_batch add column decision_hash text;
