-- Onceflow schema. Flyway takes a PostgreSQL advisory lock while migrating, so every service may
-- run it at start-up: whichever starts first applies it, the others wait and then validate.

CREATE TABLE clients (
    id           uuid PRIMARY KEY,
    name         varchar(200) NOT NULL,
    -- SHA-256 (hex) of the client's API key; the key itself is never stored.
    api_key_hash varchar(64)  NOT NULL UNIQUE,
    created_at   timestamptz  NOT NULL
);

CREATE TABLE accounts (
    id              uuid PRIMARY KEY,
    client_id       uuid        NOT NULL REFERENCES clients (id),
    currency        varchar(3)  NOT NULL,
    opening_balance bigint      NOT NULL CHECK (opening_balance >= 0),
    -- balance = opening - sum(completed amounts); reserved = sum(amounts of non-final transactions)
    balance         bigint      NOT NULL,
    reserved        bigint      NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    version         bigint      NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    CONSTRAINT accounts_available_not_negative CHECK (balance - reserved >= 0)
);
CREATE INDEX accounts_client_idx ON accounts (client_id);

CREATE TABLE transactions (
    id              uuid PRIMARY KEY,
    client_id       uuid         NOT NULL REFERENCES clients (id),
    account_id      uuid         NOT NULL REFERENCES accounts (id),
    state           varchar(16)  NOT NULL CHECK (state IN ('PENDING', 'PROCESSING', 'COMPLETED', 'FAILED')),
    amount          bigint       NOT NULL CHECK (amount > 0),
    currency        varchar(3)   NOT NULL,
    creditor_name   varchar(140) NOT NULL,
    creditor_iban   varchar(34)  NOT NULL,
    reference       varchar(140),
    -- Generated at intake, in the same DB transaction as the row: every bank call for this
    -- transaction, by any worker at any time, sends it as the bank's Idempotency-Key.
    external_key    varchar(64)  NOT NULL UNIQUE,
    attempts        integer      NOT NULL DEFAULT 0,
    -- A worker may claim a PENDING row only from this instant on (retry backoff).
    next_attempt_at timestamptz  NOT NULL,
    -- PROCESSING: the claim's lease. PENDING: until when an enqueued event is trusted to arrive;
    -- the recovery sweeper re-enqueues the row after that.
    lease_until     timestamptz  NOT NULL,
    bank_reference  varchar(100),
    failure_code    varchar(40),
    failure_detail  varchar(500),
    version         bigint       NOT NULL DEFAULT 0,
    created_at      timestamptz  NOT NULL,
    updated_at      timestamptz  NOT NULL
);
CREATE INDEX transactions_account_idx ON transactions (account_id);
CREATE INDEX transactions_sweep_idx ON transactions (lease_until) WHERE state IN ('PENDING', 'PROCESSING');

CREATE TABLE idempotency_keys (
    client_id           uuid         NOT NULL REFERENCES clients (id),
    idempotency_key     varchar(255) NOT NULL,
    -- SHA-256 (hex) of the request's canonical content: same key + other content is refused.
    request_fingerprint varchar(64)  NOT NULL,
    -- The key is claimed before the transaction row exists (same DB transaction), hence deferred.
    transaction_id      uuid         NOT NULL REFERENCES transactions (id) DEFERRABLE INITIALLY DEFERRED,
    created_at          timestamptz  NOT NULL,
    expires_at          timestamptz  NOT NULL,
    PRIMARY KEY (client_id, idempotency_key)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- Transactional outbox, read by Debezium's Outbox Event Router (its default column names).
-- Rows are inserted and deleted in the same DB transaction: the WAL carries the insert, the
-- table stays empty. aggregatetype names the stream (the topic is payments.<aggregatetype>).
CREATE TABLE outbox (
    id            uuid PRIMARY KEY,
    aggregatetype varchar(64)  NOT NULL,
    aggregateid   varchar(64)  NOT NULL,
    type          varchar(64)  NOT NULL,
    payload       jsonb        NOT NULL
);
