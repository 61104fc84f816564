# The service image: `docker compose up` (see docker-compose.yml) runs it against PostgreSQL.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md alembic.ini ./
COPY kulturkluster ./kulturkluster
COPY inbound ./inbound
COPY mailer ./mailer
COPY subscribers ./subscribers
COPY cases ./cases
COPY templates ./templates
COPY migrations ./migrations
RUN pip install --no-cache-dir . && useradd --system --home /data kulturkluster && mkdir -p /data && chown kulturkluster /data
USER kulturkluster
ENV KK_DATA_DIR=/data
CMD ["kulturkluster", "serve"]
