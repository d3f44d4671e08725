-- Transactional outbox: an event row written in the same transaction as the state change it reports.
-- The relay publishes rows in id order and stamps published_at; a row published but not stamped (crash)
-- is published again, and consumers' inboxes absorb the duplicate.
CREATE TABLE outbox (
    id             bigserial PRIMARY KEY,
    event_id       uuid        NOT NULL UNIQUE,
    topic          text        NOT NULL,
    message_key    text        NOT NULL,
    envelope       jsonb       NOT NULL,
    correlation_id text        NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    published_at   timestamptz
);
CREATE INDEX outbox_unpublished ON outbox (id) WHERE published_at IS NULL;

-- Idempotent consumer: (consumer, event_id) recorded in the same transaction as the effect.
CREATE TABLE inbox (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    event_type   text        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- What this service sent to its dead-letter topic, so operators can see it without a Kafka client.
CREATE TABLE dead_letters (
    id          bigserial PRIMARY KEY,
    consumer    text        NOT NULL,
    topic       text        NOT NULL,
    partition   int         NOT NULL,
    kafka_offset bigint     NOT NULL,
    event_id    uuid,
    event_type  text,
    error       text        NOT NULL,
    attempts    int         NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (consumer, topic, partition, kafka_offset)
);
