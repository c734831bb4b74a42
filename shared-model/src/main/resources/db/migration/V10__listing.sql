-- Lists are read a page at a time in (time, id) order from a cursor (keyset pagination): each
-- index below answers one list's page without sorting, whatever its length.

-- A client's transactions, newest first; by account; by the Idempotency-Key it was sent with
-- (kept on the row, so it is found after the key itself has expired).
CREATE INDEX transactions_client_created_idx ON transactions (client_id, created_at, id);
DROP INDEX transactions_account_idx;
CREATE INDEX transactions_account_created_idx ON transactions (account_id, created_at, id);
CREATE INDEX transactions_client_key_idx ON transactions (client_id, idempotency_key);

-- A client's accounts and the admin API's lists.
DROP INDEX accounts_client_idx;
CREATE INDEX accounts_client_created_idx ON accounts (client_id, created_at, id);
CREATE INDEX clients_created_idx ON clients (created_at, id);
DROP INDEX admin_audit_at_idx;
CREATE INDEX admin_audit_at_idx ON admin_audit (at, id);
