# The image of the platform's own Python services under docker-compose (transactions API, SMTP receiver,
# Airflow, Superset). The native runtime does not use it. Both venvs come from the same lock files as natively, at the
# paths the runtime derives from them, so `fraud_runtime.run_service` starts exactly what supervisord
# would. A JRE is included for the Spark jobs the Airflow scheduler submits.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends openjdk-17-jre-headless procps \
 && rm -rf /var/lib/apt/lists/*
ENV FRAUD_CACHE_DIR=/cache FRAUD_ROOT=/opt/fraud PYTHONUNBUFFERED=1 TZ=UTC
WORKDIR /opt/fraud
COPY requirements/ requirements/
RUN for venv in platform airflow superset; do \
      dir="/cache/venvs/$venv-$(sha256sum requirements/$venv.lock | cut -c1-16)"; \
      python -m venv "$dir" && "$dir/bin/pip" install --no-cache-dir -r "requirements/$venv.lock" \
      && touch "$dir/.complete" || exit 1; \
    done
COPY . .
ENTRYPOINT ["sh", "-c", "exec /cache/venvs/platform-*/bin/python -m fraud_runtime.run_service \"$@\"", "run_service"]
