-- How an account someone else made comes into use (issue 14): an account an administrator
-- made over the network waits, inactive and without a password, for a second person's
-- confirmation (proposed_by: the administrator); confirmed, it holds a one-time setup code
-- (its digest, until a time) with which its user sets the password. A firm's self-registration
-- naming an already known firm is a claim (firm_claim) the Technopark checks against evidence.
alter table app_user add column proposed_by integer references app_user (user_id);
alter table app_user add column setup_hash text;
alter table app_user add column setup_until text;
alter table app_user add column firm_claim boolean not null default 0;
