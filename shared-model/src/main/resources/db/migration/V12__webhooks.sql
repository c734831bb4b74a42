-- Webhooks: a client's endpoints, one delivery per (endpoint, event), and each attempt's record.

CREATE TABLE webhook_endpoints (
    id          uuid PRIMARY KEY,
    client_id   uuid          NOT NULL REFERENCES clients (id),
    url         varchar(2048) NOT NULL,
    -- Wire names of the events it receives (EventType.wireName()).
    event_types text[]        NOT NULL CHECK (cardinality(event_types) > 0),
    -- Signs every delivery (HMAC-SHA256); kept in clear because signing needs it, shown to the
    -- client once, at registration.
    secret      varchar(100)  NOT NULL,
    created_at  timestamptz   NOT NULL,
    deleted_at  timestamptz
);
CREATE INDEX webhook_endpoints_by_client ON webhook_endpoints (client_id, created_at, id);

-- A delivery is created by the dispatcher when it reads an event from payments.transaction-events,
-- for every endpoint of the transaction's client that takes the event's type. Retried until
-- delivered or give_up_at; a client's re-send makes it PENDING again.
CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY,
    -- Creation order: deliveries of one transaction to one endpoint are sent in this order.
    seq             bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    endpoint_id     uuid         NOT NULL REFERENCES webhook_endpoints (id),
    event_id        uuid         NOT NULL,
    event_type      varchar(40)  NOT NULL,
    transaction_id  uuid         NOT NULL REFERENCES transactions (id),
    -- The JSON body, fixed at creation so that every attempt sends the same bytes.
    payload         text         NOT NULL,
    state           varchar(16)  NOT NULL CHECK (state IN ('PENDING', 'DELIVERED', 'FAILED')),
    attempts        integer      NOT NULL DEFAULT 0,
    -- PENDING: when the next attempt is due; while one runs, when its lease ends.
    next_attempt_at timestamptz  NOT NULL,
    give_up_at      timestamptz  NOT NULL,
    created_at      timestamptz  NOT NULL,
    -- The client's last re-send: a re-send retries for as long as the first series did.
    resent_at       timestamptz,
    delivered_at    timestamptz,
    last_status     integer,
    last_error      varchar(500),
    UNIQUE (endpoint_id, event_id)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE state = 'PENDING';
CREATE INDEX webhook_deliveries_by_endpoint ON webhook_deliveries (endpoint_id, created_at, id);
CREATE INDEX webhook_deliveries_in_order ON webhook_deliveries (endpoint_id, transaction_id, seq)
    WHERE state = 'PENDING';

CREATE TABLE webhook_attempts (
    delivery_id uuid         NOT NULL REFERENCES webhook_deliveries (id),
    attempt     integer      NOT NULL,
    started_at  timestamptz  NOT NULL,
    latency_ms  integer      NOT NULL,
    -- The endpoint's HTTP status, or NULL when no answer came (error says why).
    status_code integer,
    error       varchar(500),
    PRIMARY KEY (delivery_id, attempt)
);

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'onceflow_webhooks') THEN
        BEGIN
            CREATE ROLE onceflow_webhooks LOGIN;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
            NULL; -- created meanwhile by the migration of another database on this server
        END;
    END IF;
END
$$;

-- intake-api: clients register, list and delete their endpoints, read their deliveries and
-- attempts, and re-send a delivery.
GRANT SELECT, INSERT, UPDATE ON webhook_endpoints TO onceflow_intake;
GRANT SELECT, UPDATE ON webhook_deliveries TO onceflow_intake;
GRANT SELECT ON webhook_attempts TO onceflow_intake;

-- webhook-dispatcher: reads the transaction an event names and its client's endpoints, creates
-- and sends deliveries, records attempts.
GRANT SELECT ON transactions, webhook_endpoints TO onceflow_webhooks;
GRANT SELECT, INSERT, UPDATE ON webhook_deliveries TO onceflow_webhooks;
GRANT SELECT, INSERT ON webhook_attempts TO onceflow_webhooks;
