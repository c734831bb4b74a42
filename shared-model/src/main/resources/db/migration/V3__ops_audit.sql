-- Every ops action (replays, re-drives, retries) leaves a row here: who, when, what, how many.
CREATE TABLE ops_audit (
    id         uuid PRIMARY KEY,
    at         timestamptz   NOT NULL,
    actor      varchar(100)  NOT NULL,
    action     varchar(40)   NOT NULL,
    parameters varchar(1000) NOT NULL,
    affected   integer       NOT NULL,
    outcome    varchar(1000) NOT NULL
);
CREATE INDEX ops_audit_at_idx ON ops_audit (at);
