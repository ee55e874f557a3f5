"""The transactions API: the batch layer's upstream "payments API" (paginated daily transactions, and
chargeback labels once the label delay has passed). Run it with ``python -m apps.transactions_api``.
"""
