-- Approval asks which loans' events were cancelled since a batch was prepared: few rows, so a
-- partial index finds them without reading every event.
create index loan_event_cancelled_idx on loan_event (cancelled_after_batch)
    where cancelled_after_batch is not null;
