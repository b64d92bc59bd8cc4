-- 0002: payment_app, the role the payment API connects as. The master user runs the
-- migrations and is kept for break-glass access; the API never uses it.
-- payment_app logs in only with IAM database authentication (membership of rds_iam, the
-- role RDS provides for it: RDS User Guide, "Creating a database account using IAM
-- authentication"), and may only read and insert payments: INSERT ... ON CONFLICT DO
-- NOTHING needs no UPDATE privilege. A later migration that adds a table the API uses
-- grants on it explicitly.
-- Roles belong to the cluster, not to one database, and replicate with the global
-- database: the standby region gets the same role.
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'payment_app') THEN
        CREATE ROLE payment_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'rds_iam') THEN
        GRANT rds_iam TO payment_app;
    END IF;
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO payment_app', current_database());
END
$$;

-- PostgreSQL 14 lets every role create objects in the public schema; nobody needs to.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO payment_app;
GRANT SELECT, INSERT ON payments TO payment_app;
