-- What the operator console needs beyond the history of V13: the events each payment announced,
-- the four-eyes approvals of bulk actions, and indexes for its search and lists.

-- Every outbox event, kept: the outbox row itself is deleted in the transaction that writes it, so
-- without this an event id (in the logs, on the Kafka record) would lead nowhere. Written by a
-- trigger, in the writer's DB transaction, like transaction_history; purged with it.
CREATE TABLE transaction_events (
    event_id       uuid PRIMARY KEY,
    transaction_id uuid         NOT NULL,
    type           varchar(64)  NOT NULL,
    at             timestamptz  NOT NULL,
    instance       varchar(64)  NOT NULL
);
CREATE INDEX transaction_events_transaction_idx ON transaction_events (transaction_id, at);

CREATE FUNCTION record_transaction_event() RETURNS trigger AS $$
BEGIN
    INSERT INTO transaction_events (event_id, transaction_id, type, at, instance)
    VALUES (NEW.id, NEW.aggregateid::uuid, NEW.type, (NEW.payload ->> 'occurredAt')::timestamptz,
            onceflow_instance());
    RETURN NEW;
END
$$ LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT;

CREATE TRIGGER record_transaction_event AFTER INSERT ON outbox
FOR EACH ROW EXECUTE FUNCTION record_transaction_event();

-- A bulk action asked for in the console waits here for a second operator: approved (and then
-- done or failed, with its outcome), rejected, or withdrawn by its requester. The approver is never
-- the requester, whatever the case of the names (they are unique regardless of case).
CREATE TABLE ops_approvals (
    id           uuid PRIMARY KEY,
    action       varchar(40)   NOT NULL,
    parameters   jsonb         NOT NULL,
    summary      varchar(1000) NOT NULL,
    requested_by varchar(64)   NOT NULL,
    requested_at timestamptz   NOT NULL,
    state        varchar(16)   NOT NULL
        CHECK (state IN ('REQUESTED', 'APPROVED', 'DONE', 'FAILED', 'REJECTED', 'WITHDRAWN')),
    decided_by   varchar(64),
    decided_at   timestamptz,
    outcome      varchar(1000),
    CHECK (decided_by IS NULL OR lower(decided_by) <> lower(requested_by) OR state = 'WITHDRAWN')
);
CREATE INDEX ops_approvals_open_idx ON ops_approvals (requested_at) WHERE state IN ('REQUESTED', 'APPROVED');
CREATE INDEX ops_approvals_requested_idx ON ops_approvals (requested_at);

-- The console's search by any id of the chain: the client's Idempotency-Key without the client
-- (transactions_client_key_idx leads with it), and the bank's reference.
CREATE INDEX transactions_idempotency_key_idx ON transactions (idempotency_key);
CREATE INDEX transactions_bank_reference_idx ON transactions (bank_reference) WHERE bank_reference IS NOT NULL;
-- The console's lists: failed payments by code, newest first, and unfinished ones by how long
-- they have not changed; each index holds only the rows of its list.
CREATE INDEX transactions_failed_idx ON transactions (failure_code, updated_at DESC, id DESC) WHERE state = 'FAILED';
CREATE INDEX transactions_unfinished_idx ON transactions (updated_at, id) WHERE state IN ('PENDING', 'PROCESSING', 'UNKNOWN');

-- bank-worker: purges the events of old final payments with their history.
GRANT SELECT, DELETE ON transaction_events TO onceflow_worker;
-- The ops commands and the console: read the events, and ask for and decide on approvals.
GRANT SELECT ON transaction_events TO onceflow_ops;
GRANT SELECT, INSERT, UPDATE ON ops_approvals TO onceflow_ops;
-- The console shows the relay heartbeat's age, and names the client that sent a payment (never
-- its key's hash).
GRANT SELECT ON relay_heartbeat TO onceflow_ops;
GRANT SELECT (id, name) ON clients TO onceflow_ops;
