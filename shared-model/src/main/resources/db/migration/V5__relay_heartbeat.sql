-- The relay's heartbeat row. While the outbox is idle, Debezium has no event to confirm a WAL
-- position with, and the replication slot would hold back every byte of WAL that other tables
-- write meanwhile. At each heartbeat Debezium updates this row (heartbeat.action.query); the change
-- reaches the relay through the publication and lets it confirm its position.
CREATE TABLE relay_heartbeat (
    id      integer PRIMARY KEY,
    beat_at timestamptz NOT NULL
);
INSERT INTO relay_heartbeat (id, beat_at) VALUES (1, now());
