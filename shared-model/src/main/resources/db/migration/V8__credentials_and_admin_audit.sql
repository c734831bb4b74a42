-- A client holds one or more API keys: rotation issues a new key while the old one keeps working
-- until its expires_at (the overlap), revocation ends a key at once. Only each key's SHA-256 is
-- stored, with its last four characters so that an operator can tell keys apart.
CREATE TABLE api_keys (
    id         uuid PRIMARY KEY,
    client_id  uuid        NOT NULL REFERENCES clients (id),
    key_hash   varchar(64) NOT NULL UNIQUE,
    -- NULL for keys issued before keys had hints
    hint       varchar(4),
    created_at timestamptz NOT NULL,
    expires_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX api_keys_client_idx ON api_keys (client_id);
INSERT INTO api_keys (id, client_id, key_hash, created_at)
SELECT gen_random_uuid(), id, api_key_hash, created_at FROM clients;
ALTER TABLE clients DROP COLUMN api_key_hash;

-- Present once demo data was seeded into a database that had no client: only such a database may
-- run in demo mode, so that its well-known key never sits next to real clients' money.
CREATE TABLE demo_database (
    only_row  boolean     PRIMARY KEY DEFAULT true CHECK (only_row),
    seeded_at timestamptz NOT NULL
);
-- A database the demo client was seeded into before this table existed was a demo database.
INSERT INTO demo_database (seeded_at)
SELECT created_at FROM clients WHERE id = 'a38d2e28-2d6a-3669-a5e5-02d12d7fcd56';

-- Admin writes take an Idempotency-Key like payments: the first request's answer is kept (never a
-- secret: a created key is shown once) and replayed to a retry; other content under the key is
-- refused.
CREATE TABLE admin_idempotency_keys (
    idempotency_key     varchar(255) PRIMARY KEY,
    request_fingerprint varchar(64)  NOT NULL,
    response_status     integer      NOT NULL,
    response_location   varchar(300),
    response_body       text         NOT NULL,
    created_at          timestamptz  NOT NULL,
    expires_at          timestamptz  NOT NULL
);
CREATE INDEX admin_idempotency_keys_expiry_idx ON admin_idempotency_keys (expires_at);

-- Every admin request, refused ones included: who (which admin key, and the actor it named), what,
-- when, from where, and how it ended. A write's row commits with the write itself.
CREATE TABLE admin_audit (
    id              uuid PRIMARY KEY,
    at              timestamptz   NOT NULL,
    actor           varchar(100)  NOT NULL,
    remote_address  varchar(64)   NOT NULL,
    method          varchar(10)   NOT NULL,
    path            varchar(300)  NOT NULL,
    idempotency_key varchar(255),
    status          integer       NOT NULL,
    outcome         varchar(1000) NOT NULL
);
CREATE INDEX admin_audit_at_idx ON admin_audit (at);

-- Audit trails are append-only: no role but a superuser, who can drop the trigger, can rewrite them.
CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TRIGGER admin_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON admin_audit
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER ops_audit_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON ops_audit
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
