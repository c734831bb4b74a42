-- The W3C trace context (traceparent, tracestate) of the request that wrote an outbox row, as
-- java.util.Properties text: the form Debezium's Outbox Event Router reads from its
-- tracing.span.context.field and turns into the Kafka record's headers. NULL when the writer had
-- no trace (the recovery sweeper, ops commands).
ALTER TABLE outbox ADD COLUMN tracingspancontext varchar(2048);

-- The client's Idempotency-Key on the transaction itself, so that every log line about the
-- transaction can name it: idempotency_keys rows are purged after their TTL, while a transaction
-- may still be retried or reconciled. NULL for a draft created without a key.
ALTER TABLE transactions ADD COLUMN idempotency_key varchar(255);
UPDATE transactions t
SET idempotency_key = k.idempotency_key
FROM idempotency_keys k
WHERE k.transaction_id = t.id;
