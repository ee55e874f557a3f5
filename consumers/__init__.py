"""The stream layer's Kafka consumers: ``scorer`` (transaction_topic -> fraud_topic / transaction_dlq) and
``persister`` (transaction_topic + fraud_topic -> Cassandra ``fraud``), both on the loop in ``loop.py``;
``producer`` publishes the simulated stream (``./fraudctl stream``)."""
