-- Test support only (the testing module, never in a runtime jar): Flyway runs this callback after
-- every migration a test JVM's service makes. A trigger records each change of a transaction's
-- state, which TransitionAudit checks against TransactionState.canBecome after every test. It runs
-- as the schema's owner (SECURITY DEFINER): the services' roles may not write a test's table.
CREATE TABLE IF NOT EXISTS test_state_changes (
    transaction_id uuid        NOT NULL,
    from_state     varchar(20) NOT NULL,
    to_state       varchar(20) NOT NULL,
    at             timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE OR REPLACE FUNCTION test_record_state_change() RETURNS trigger AS $$
BEGIN
    INSERT INTO test_state_changes (transaction_id, from_state, to_state) VALUES (NEW.id, OLD.state, NEW.state);
    RETURN NEW;
END
$$ LANGUAGE plpgsql SECURITY DEFINER;

CREATE OR REPLACE TRIGGER test_record_state_change AFTER UPDATE OF state ON transactions
FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state) EXECUTE FUNCTION test_record_state_change();
