-- The W3C trace id of the request that created the transaction (the client's own, when it sent a
-- traceparent), shown to the client with the transaction: the id that finds every log line and span
-- of its submission. NULL for transactions from before this migration, or with tracing off.
ALTER TABLE transactions ADD COLUMN trace_id varchar(32);
