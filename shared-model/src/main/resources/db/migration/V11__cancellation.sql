-- CANCELLED: the client cancelled a draft, or a PENDING transaction no worker ever claimed. Final.
ALTER TABLE transactions DROP CONSTRAINT transactions_state_check;
ALTER TABLE transactions
    ADD CONSTRAINT transactions_state_check
    CHECK (state IN ('DRAFT', 'PENDING', 'PROCESSING', 'UNKNOWN', 'COMPLETED', 'FAILED', 'CANCELLED'));
