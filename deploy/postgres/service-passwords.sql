-- Gives each service role (created by the V9__service_roles.sql and V12__webhooks.sql migrations) its password, from the
-- environment. docker-compose.yml runs this at every start, after the migrations and before the
-- services: changing a variable in .env changes the password. psql's :'name' quotes the value.
\set ON_ERROR_STOP on
\getenv intake_password ONCEFLOW_INTAKE_DB_PASSWORD
\getenv relay_password ONCEFLOW_RELAY_DB_PASSWORD
\getenv worker_password ONCEFLOW_WORKER_DB_PASSWORD
\getenv ops_password ONCEFLOW_OPS_DB_PASSWORD
\getenv webhooks_password ONCEFLOW_WEBHOOKS_DB_PASSWORD
ALTER ROLE onceflow_intake PASSWORD :'intake_password';
ALTER ROLE onceflow_relay PASSWORD :'relay_password';
ALTER ROLE onceflow_worker PASSWORD :'worker_password';
ALTER ROLE onceflow_ops PASSWORD :'ops_password';
ALTER ROLE onceflow_webhooks PASSWORD :'webhooks_password';
