-- One role per service, holding only what that service does. The migration's user (the schema's
-- owner) keeps everything else, DDL included: services never own a table.
--
-- The roles may log in but have no password: where PostgreSQL asks for one (scram, as in
-- docker-compose.yml) they cannot connect until the deployment sets theirs
-- (deploy/postgres/service-passwords.sql); where it trusts local connections (the embedded
-- PostgreSQL of the local stack) they connect at once. Roles are cluster-wide: a second Onceflow
-- database on the same server reuses them, and only gets its own grants.
--
-- A table added by a later migration grants its own privileges to these roles.
DO $$
DECLARE
    service text;
    can_replicate boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
BEGIN
    FOREACH service IN ARRAY ARRAY['onceflow_intake', 'onceflow_relay', 'onceflow_worker', 'onceflow_ops'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = service) THEN
            BEGIN
                -- The relay reads the outbox through a logical replication slot; only a superuser
                -- may hand out REPLICATION. Anyone else leaves it to the database's administrator.
                EXECUTE format('CREATE ROLE %I LOGIN%s', service,
                               CASE WHEN service = 'onceflow_relay' AND can_replicate THEN ' REPLICATION' ELSE '' END);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL; -- created meanwhile by the migration of another database on this server
            END;
        END IF;
    END LOOP;
    IF NOT (SELECT rolreplication FROM pg_roles WHERE rolname = 'onceflow_relay') THEN
        RAISE WARNING 'onceflow_relay lacks REPLICATION: grant it (ALTER ROLE onceflow_relay REPLICATION) before the relay starts';
    END IF;
END
$$;

-- intake-api: clients and their keys (admin API, demo data), accounts and their funds, payments,
-- their idempotency keys and outbox events (each event row is deleted by its id in the transaction
-- that wrote it: a DELETE's WHERE reads the id, never the payload), admin idempotency keys (purged
-- when expired) and the admin audit.
GRANT SELECT, INSERT, UPDATE ON clients, api_keys, accounts, transactions TO onceflow_intake;
GRANT SELECT, INSERT, UPDATE, DELETE ON idempotency_keys, admin_idempotency_keys TO onceflow_intake;
GRANT SELECT, INSERT ON demo_database TO onceflow_intake;
GRANT INSERT, DELETE, SELECT (id) ON outbox TO onceflow_intake;
GRANT SELECT, INSERT ON admin_audit TO onceflow_intake;

-- outbox-relay: the outbox and the heartbeat row through the publication below, and the
-- heartbeat's update (Debezium's heartbeat.action.query).
GRANT SELECT ON outbox, relay_heartbeat TO onceflow_relay;
GRANT UPDATE ON relay_heartbeat TO onceflow_relay;

-- bank-worker: settles payments (their state and their account's funds) and writes their events.
GRANT SELECT, UPDATE ON transactions, accounts TO onceflow_worker;
GRANT INSERT, DELETE, SELECT (id) ON outbox TO onceflow_worker;

-- The ops commands: re-drive and retry payments (with a new reservation of funds), their events,
-- and the ops audit.
GRANT SELECT, UPDATE ON transactions, accounts TO onceflow_ops;
GRANT INSERT, DELETE, SELECT (id) ON outbox TO onceflow_ops;
GRANT SELECT, INSERT ON ops_audit TO onceflow_ops;

-- Creating a publication takes ownership of its tables, which the relay does not have: it is
-- created here, under the relay's default name (onceflow.relay.publication-name), unless Debezium
-- created it already in a database from before this migration.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = 'onceflow_outbox') THEN
        CREATE PUBLICATION onceflow_outbox FOR TABLE outbox, relay_heartbeat;
    END IF;
END
$$;
