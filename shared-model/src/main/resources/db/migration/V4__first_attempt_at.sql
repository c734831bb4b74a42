-- When the worker made the first bank call of the transaction's current round of attempts (an ops
-- retry, which resets attempts to 0, starts a new round). A transaction whose first attempt is
-- older than the worker's deadline makes no new payment call: it is reconciled by lookup instead.
-- NULL until the first claim.
ALTER TABLE transactions ADD COLUMN first_attempt_at timestamptz;
