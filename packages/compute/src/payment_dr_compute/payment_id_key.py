"""PaymentIdKey: the secret holding the key payment ids are derived with, replicated to the
standby exactly like the client keys (:class:`~payment_dr_compute.client_keys.ApiClientKeys`)."""

from __future__ import annotations

from payment_dr_compute.client_keys import ApiClientKeys, ApiClientKeysProps

PAYMENT_ID_KEY_COMPONENT = "payment-id-key"
"""Name component of the secret: ``payment-processing-payment-id-key-<suffix>``."""

PaymentIdKeyProps = ApiClientKeysProps
"""The same props: the primary region and its key, the standby region and its key, the
recovery window."""


class PaymentIdKey(ApiClientKeys):
    """One Secrets Manager secret with a replica in the standby region, holding
    ``{"payment_id_key": "<base64 of 32+ random bytes>"}``.

    Each region's payment API derives a payment's id from the client, its idempotency key and
    the request under this key (``payment_service.payment_ids``), so a retry gets the same id
    in either region, before and after a failover, with or without DynamoDB. That holds only
    while both regions read the same key: Secrets Manager replicates every version to the
    replica, and each API reads the copy in its own region. Terraform creates the secret but
    never its value (it would sit in the state): an operator writes it once, after the first
    deploy, and **never rotates it** (docs/deployment.md). Until it exists the API creates no
    payment (``500 id_key_misconfigured``); replays still answer.
    """

    component = PAYMENT_ID_KEY_COMPONENT
    description = "Key payment ids are derived with (read by the payment APIs; never rotated)"


__all__ = ["PAYMENT_ID_KEY_COMPONENT", "PaymentIdKey", "PaymentIdKeyProps"]
