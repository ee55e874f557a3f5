"""The live-alerts page (Streamlit) and the read model it queries in Cassandra."""
