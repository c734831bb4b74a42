-- Every payment's history, append-only, each row written in the DB transaction of the change it
-- describes: its state changes, its bank calls, and the ops actions that touched it.

-- One row per state a transaction entered (its creation included), written by a trigger: whatever
-- statement changes a state, the history cannot miss it or disagree with it. Who: the database
-- role (each service has its own) and the connection's application_name (the service instance).
-- Why: the reason the writer set for its DB transaction (onceflow.reason), or else what the row
-- itself says.
CREATE TABLE transaction_history (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id uuid          NOT NULL,
    at             timestamptz   NOT NULL,
    from_state     varchar(16),
    to_state       varchar(16)   NOT NULL,
    component      varchar(64)   NOT NULL,
    instance       varchar(64)   NOT NULL,
    reason         varchar(1000) NOT NULL
);
CREATE INDEX transaction_history_transaction_idx ON transaction_history (transaction_id, id);
CREATE INDEX transaction_history_at_idx ON transaction_history (at);

-- The service instance a connection belongs to: its application_name (the services set it to
-- <service>@<host>:<pid>).
CREATE FUNCTION onceflow_instance() RETURNS varchar AS $$
    SELECT left(coalesce(nullif(current_setting('application_name', true), ''), 'unnamed'), 64)
$$ LANGUAGE sql STABLE;

CREATE FUNCTION record_transaction_history() RETURNS trigger AS $$
DECLARE
    previous varchar(16) := CASE WHEN TG_OP = 'UPDATE' THEN OLD.state END;
    why      text := nullif(current_setting('onceflow.reason', true), '');
BEGIN
    IF why IS NULL THEN
        why := CASE
            WHEN NEW.state = 'FAILED' THEN NEW.failure_code || coalesce(': ' || NEW.failure_detail, '')
            WHEN NEW.state = 'COMPLETED' THEN 'settled by the bank as ' || coalesce(NEW.bank_reference, 'an unnamed payment')
            WHEN NEW.state = 'PROCESSING' THEN 'claimed for attempt ' || NEW.attempts
            WHEN NEW.state = 'UNKNOWN' THEN 'outcome unknown: no more payment calls, only lookups'
            WHEN NEW.state = 'CANCELLED' THEN 'cancelled by the client'
            WHEN NEW.state = 'DRAFT' THEN 'draft created'
            WHEN previous IS NULL THEN 'accepted'
            WHEN previous = 'DRAFT' THEN 'draft confirmed'
            WHEN previous = 'PROCESSING' THEN 'attempt ' || OLD.attempts || ' got no definitive answer; next attempt at '
                                              || to_char(NEW.next_attempt_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
            WHEN previous = 'FAILED' THEN 'reopened'
            ELSE 'changed'
        END;
    END IF;
    INSERT INTO transaction_history (transaction_id, at, from_state, to_state, component, instance, reason)
    VALUES (NEW.id, CASE WHEN TG_OP = 'INSERT' THEN NEW.created_at ELSE NEW.updated_at END, previous,
            NEW.state, left(session_user, 64), onceflow_instance(),
            left(why, 1000));
    RETURN NEW;
END
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT;

CREATE TRIGGER record_transaction_history_insert AFTER INSERT ON transactions
FOR EACH ROW EXECUTE FUNCTION record_transaction_history();
CREATE TRIGGER record_transaction_history_update AFTER UPDATE OF state ON transactions
FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION record_transaction_history();

-- The transactions from before this migration start their history where they are.
INSERT INTO transaction_history (transaction_id, at, from_state, to_state, component, instance, reason)
SELECT id, updated_at, NULL, state, 'migration', 'V13', 'state when the history began'
FROM transactions;

-- Every bank call, journaled before it is sent (by the claim that allows it, in the same
-- statement) and completed after, in the DB transaction that records its outcome. A call with no
-- ended_at was started and never answered, or its worker died before recording the answer.
CREATE TABLE bank_calls (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id uuid          NOT NULL,
    kind           varchar(8)    NOT NULL CHECK (kind IN ('PAYMENT', 'LOOKUP')),
    -- the payment attempt (transactions.attempts) or the lookup (transactions.lookups) it is
    attempt        integer       NOT NULL,
    external_key   varchar(64)   NOT NULL,
    instance       varchar(64)   NOT NULL,
    started_at     timestamptz   NOT NULL,
    ended_at       timestamptz,
    -- settled, pending, declined, unknown (payments); found, not-found, unreachable (lookups);
    -- not-sent when the claim's checks stopped the call
    outcome        varchar(16),
    http_status    integer,
    latency_ms     integer,
    bank_reference varchar(100),
    error          varchar(500)
);
CREATE INDEX bank_calls_transaction_idx ON bank_calls (transaction_id, id);
CREATE INDEX bank_calls_unanswered_idx ON bank_calls (started_at) WHERE ended_at IS NULL;

-- The ops actions (ops_audit) and the transactions each touched or refused to touch.
CREATE TABLE ops_audit_transactions (
    audit_id       uuid NOT NULL REFERENCES ops_audit (id),
    transaction_id uuid NOT NULL,
    PRIMARY KEY (audit_id, transaction_id)
);
CREATE INDEX ops_audit_transactions_transaction_idx ON ops_audit_transactions (transaction_id);

-- bank-worker: journals its calls and purges the history of old final payments.
GRANT SELECT, INSERT, UPDATE, DELETE ON bank_calls TO onceflow_worker;
GRANT SELECT, DELETE ON transaction_history TO onceflow_worker;
-- The ops commands: read a payment's history, link their audit rows to the transactions.
GRANT SELECT ON transaction_history, bank_calls TO onceflow_ops;
GRANT SELECT, INSERT ON ops_audit_transactions TO onceflow_ops;
