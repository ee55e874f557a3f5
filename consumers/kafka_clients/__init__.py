"""The two Kafka clients behind ``consumers.kafka_io`` (the only modules that import a client library)."""
