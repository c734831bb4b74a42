-- The two-step flow: a transaction may be created as a DRAFT and confirmed later. A draft reserves
-- nothing and publishes nothing; workers and the sweeper only ever match PENDING/PROCESSING, so
-- they never see one. For a DRAFT, lease_until is the deadline for the confirm.

ALTER TABLE transactions DROP CONSTRAINT transactions_state_check;
ALTER TABLE transactions
    ADD CONSTRAINT transactions_state_check
    CHECK (state IN ('DRAFT', 'PENDING', 'PROCESSING', 'COMPLETED', 'FAILED'));

-- The draft expiry job finds overdue drafts, oldest first, without scanning every transaction.
CREATE INDEX transactions_draft_expiry_idx ON transactions (lease_until) WHERE state = 'DRAFT';
