-- 0003: idempotency keys and payments belong to the client that sent them.
-- client_id is the client id the API's authorizer puts in the request context (the
-- "<client id>" of "Bearer <client id>.<key>"), never a value from the request body. An
-- idempotency key is unique per client: two clients may use the same key for different
-- payments, and neither sees the other's.
--
-- Rows that exist when this runs were created while the API did not record the client:
-- their client_id stays NULL ("not recorded"). The API still answers a retry of such a key
-- with the same body by replaying that payment (to any client, as before), answers another
-- body with 409, and never creates a second payment for the key; GET /payments/{id} finds
-- them for no client. An operator who knows a payment's client may record it (as the master
-- user): UPDATE payments SET client_id = '<client id>' WHERE id = '<payment id>'. Rows never
-- become NULL again: the API always writes client_id.
--
-- Dropping the global UNIQUE (idempotency_key) and building the per-client one takes an
-- ACCESS EXCLUSIVE lock for the time the index build takes (seconds per million rows):
-- payments wait for it, and are answered 503 database_busy if it outlasts their deadline.
ALTER TABLE payments ADD COLUMN client_id text;
ALTER TABLE payments ADD CONSTRAINT payments_client_id_format
    CHECK (client_id ~ '^[a-z0-9-]{1,32}$');
ALTER TABLE payments DROP CONSTRAINT payments_idempotency_key_unique;
ALTER TABLE payments ADD CONSTRAINT payments_client_idempotency_key_unique
    UNIQUE (client_id, idempotency_key);
-- The rows without a client keep the uniqueness of their key that 0001 gave them.
CREATE UNIQUE INDEX payments_unrecorded_client_key_unique
    ON payments (idempotency_key) WHERE client_id IS NULL;
