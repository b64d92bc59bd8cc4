-- 0001: payments, one row per idempotency key.
-- The UNIQUE constraint on idempotency_key is what makes creation exactly-once.
CREATE TABLE payments (
    id                  uuid          PRIMARY KEY,
    idempotency_key     text          NOT NULL,
    request_hash        text          NOT NULL,
    amount              numeric(12,2) NOT NULL,
    currency            text          NOT NULL,
    merchant_reference  text          NOT NULL,
    customer_reference  text          NOT NULL,
    status              text          NOT NULL DEFAULT 'pending',
    region              text          NOT NULL,
    created_at          timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT payments_idempotency_key_unique UNIQUE (idempotency_key),
    CONSTRAINT payments_idempotency_key_length
        CHECK (char_length(idempotency_key) BETWEEN 8 AND 128),
    CONSTRAINT payments_request_hash_sha256 CHECK (request_hash ~ '^[0-9a-f]{64}$'),
    CONSTRAINT payments_amount_range CHECK (amount > 0 AND amount <= 1000000.00),
    CONSTRAINT payments_currency_iso4217 CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT payments_merchant_reference_length
        CHECK (char_length(merchant_reference) BETWEEN 1 AND 64),
    CONSTRAINT payments_customer_reference_length
        CHECK (char_length(customer_reference) BETWEEN 1 AND 64),
    CONSTRAINT payments_status_known
        CHECK (status IN ('pending', 'succeeded', 'failed', 'canceled')),
    CONSTRAINT payments_region_length CHECK (char_length(region) BETWEEN 1 AND 32)
);

CREATE INDEX payments_created_at_idx ON payments (created_at);
