-- Rough storage per session on PostgreSQL: the relay's schema (crates/kyc-relay/src/store/
-- migrations.rs, SQLite types translated), N sessions of a typical shape, then the size of
-- tables and indexes per session (docs/deploy.md quotes it). Run on an empty database, e.g. in
-- the throwaway cluster of `cargo xtask postgres`:
--   psql -X -v n=100000 -f scripts/postgres_session_size.sql postgres://postgres@127.0.0.1:PORT/DB
-- Once the relay's own PostgreSQL migrations exist, measure on them instead.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY, customer_reference TEXT NOT NULL, customer_type TEXT NOT NULL,
    country TEXT NOT NULL, provider TEXT NOT NULL, provider_customer_id TEXT NOT NULL,
    status TEXT NOT NULL, rejection_reason TEXT, document_type TEXT, submitted_at BIGINT,
    created_at BIGINT NOT NULL, terms_of_service_url TEXT, quality TEXT, retried_at BIGINT,
    slots TEXT, terms_accepted_at BIGINT);
CREATE TABLE slots (
    session_id TEXT NOT NULL REFERENCES sessions(id), slot TEXT NOT NULL,
    provider_file_id TEXT NOT NULL, format TEXT NOT NULL, bytes BIGINT NOT NULL,
    uploaded_at BIGINT NOT NULL, PRIMARY KEY (session_id, slot));
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY, session_id TEXT NOT NULL, at BIGINT NOT NULL,
    event TEXT NOT NULL, detail TEXT NOT NULL);
CREATE TABLE webhook_events (
    provider TEXT NOT NULL, event_id TEXT NOT NULL, received_at BIGINT NOT NULL,
    PRIMARY KEY (provider, event_id));
CREATE TABLE upload_keys (
    session_id TEXT NOT NULL REFERENCES sessions(id), idempotency_key TEXT NOT NULL,
    slot TEXT NOT NULL, state TEXT NOT NULL, provider_file_id TEXT, format TEXT, bytes BIGINT,
    claimed_at BIGINT NOT NULL, PRIMARY KEY (session_id, idempotency_key));
CREATE TABLE host_notifications (
    id BIGSERIAL PRIMARY KEY, session_id TEXT NOT NULL, status TEXT NOT NULL, reason TEXT,
    at BIGINT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, next_at BIGINT NOT NULL,
    delivered_at BIGINT);
CREATE INDEX sessions_by_provider_customer ON sessions (provider, provider_customer_id);
CREATE INDEX sessions_by_reference ON sessions (provider, customer_reference, created_at);
CREATE INDEX sessions_by_customer ON sessions (customer_reference);
CREATE INDEX host_notifications_due ON host_notifications (delivered_at, next_at);
CREATE INDEX audit_by_session ON audit (session_id);

-- A typical session: three files (front, back, selfie), submitted, then verified by a webhook.
INSERT INTO sessions
SELECT 'ses_' || md5(i::text), 'customer-' || md5('c' || i)::text, 'individual', 'SE', 'd',
       gen_random_uuid()::text, 'verified', NULL, 'drivers_license', 1764700000 + i,
       1764700000 + i, NULL, 'standard', NULL, '{"required":["front","back"],"optional":["selfie"]}',
       NULL
FROM generate_series(1, :n) AS i;
INSERT INTO slots
SELECT s.id, slot, gen_random_uuid()::text, 'jpeg', 1500000, 1764700000
FROM sessions s, unnest(ARRAY['front', 'back', 'selfie']) AS slot;
INSERT INTO upload_keys
SELECT s.id, gen_random_uuid()::text, slot, 'done', gen_random_uuid()::text, 'jpeg', 1500000,
       1764700000
FROM sessions s, unnest(ARRAY['front', 'back', 'selfie']) AS slot;
INSERT INTO audit (session_id, at, event, detail)
SELECT s.id, 1764700000, e.event, e.detail
FROM sessions s, (VALUES ('created', 'd'), ('slot_uploaded', 'front'), ('slot_uploaded', 'back'),
    ('slot_uploaded', 'selfie'), ('submitted', 'drivers_license'),
    ('provider_record', 'cus_0123456789abcdef'), ('status_changed', 'verified')) AS e(event, detail);
INSERT INTO host_notifications (session_id, status, reason, at, next_at, delivered_at)
SELECT s.id, st, NULL, 1764700000, 0, 1764700001
FROM sessions s, unnest(ARRAY['pending', 'verified']) AS st;
INSERT INTO webhook_events
SELECT 'd', gen_random_uuid()::text, 1764700000 FROM sessions s;
VACUUM ANALYZE;

SELECT relname AS "table", pg_size_pretty(pg_total_relation_size(c.oid)) AS "with indexes",
       pg_total_relation_size(c.oid) / :n AS "bytes per session"
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE ns.nspname = 'public' AND c.relkind = 'r'
ORDER BY pg_total_relation_size(c.oid) DESC;
SELECT sum(pg_total_relation_size(c.oid)) / :n AS "bytes per session, all tables"
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE ns.nspname = 'public' AND c.relkind = 'r';
