-- Money rows bound to the audit chain (issue 14): each sealed row carries the audit entry that
-- wrote it and its fingerprint; each entry carries the seals of the rows it wrote. Rows that
-- exist when this migration runs are sealed once by an `integrity.seal_existing` entry.

alter table audit_entry add column seals text not null default '';

alter table budget_posting add column audit_seq bigint;
alter table budget_posting add column row_hash text;
alter table settlement_line add column audit_seq bigint;
alter table settlement_line add column row_hash text;
alter table loan add column audit_seq bigint;
alter table loan add column row_hash text;
alter table loan_event add column audit_seq bigint;
alter table loan_event add column row_hash text;
alter table loan_event add column cancel_audit_seq bigint;
alter table loan_event add column cancel_hash text;
alter table claim add column audit_seq bigint;
alter table claim add column row_hash text;
