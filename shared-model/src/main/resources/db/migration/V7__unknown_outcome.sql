-- UNKNOWN: the worker may make no more payment calls for the transaction (its retry budget or its
-- deadline is spent, or the bank answered "pending") and does not know whether the bank executed
-- it. Only a definitive answer to a lookup by key leaves it: COMPLETED, or FAILED with the funds
-- released. Its funds stay reserved meanwhile.
ALTER TABLE transactions DROP CONSTRAINT transactions_state_check;
ALTER TABLE transactions
    ADD CONSTRAINT transactions_state_check
    CHECK (state IN ('DRAFT', 'PENDING', 'PROCESSING', 'UNKNOWN', 'COMPLETED', 'FAILED'));

-- UNKNOWN rows are re-driven like PENDING ones: lease_until is when the next lookup is due.
DROP INDEX transactions_sweep_idx;
CREATE INDEX transactions_sweep_idx ON transactions (lease_until) WHERE state IN ('PENDING', 'PROCESSING', 'UNKNOWN');

-- When the row became UNKNOWN (its age on the dashboards), how many lookups it has had (their
-- backoff), and from when the bank's "no payment for this key" is trusted: by then every call the
-- worker made has been aborted and the bank's own window for a held request to land has passed.
-- NULL while the bank acknowledged the payment ("pending"): then only settled or rejected ends it.
ALTER TABLE transactions ADD COLUMN unknown_since timestamptz;
ALTER TABLE transactions ADD COLUMN lookups integer NOT NULL DEFAULT 0;
ALTER TABLE transactions ADD COLUMN absence_trusted_from timestamptz;
