-- Rough storage per session on PostgreSQL: N sessions of a typical shape in the relay's own
-- schema, then the size of tables and indexes per session (docs/deploy.md quotes it). Run it on
-- a fresh database the relay has migrated (any start of `kyc-relay --database URL` does), e.g.
-- in the throwaway cluster of `cargo xtask postgres`:
--   psql -X -v n=100000 -f scripts/postgres_session_size.sql postgres://postgres@127.0.0.1:PORT/DB
-- A typical session: three files (front, back, selfie), submitted, then verified by a webhook.
INSERT INTO sessions (id, customer_reference, customer_type, country, provider,
    provider_customer_id, status, rejection_reason, document_type, submitted_at, created_at,
    terms_of_service_url, quality, retried_at, slots, terms_accepted_at)
SELECT 'ses_' || md5(i::text), 'customer-' || md5('c' || i)::text, 'individual', 'SE', 'd',
       gen_random_uuid()::text, 'verified', NULL, 'drivers_license', 1764700000 + i,
       1764700000 + i, NULL, 'standard', NULL, '{"required":["front","back"],"optional":["selfie"]}',
       NULL
FROM generate_series(1, :n) AS i;
INSERT INTO slots (session_id, slot, provider_file_id, format, bytes, uploaded_at)
SELECT s.id, slot, gen_random_uuid()::text, 'jpeg', 1500000, 1764700000
FROM sessions s, unnest(ARRAY['front', 'back', 'selfie']) AS slot;
INSERT INTO upload_keys (session_id, idempotency_key, slot, state, provider_file_id, format,
    bytes, claimed_at)
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
INSERT INTO webhook_events (provider, event_id, received_at)
SELECT 'd', gen_random_uuid()::text, 1764700000 FROM sessions s;
VACUUM ANALYZE;

SELECT relname AS "table", pg_size_pretty(pg_total_relation_size(c.oid)) AS "with indexes",
       pg_total_relation_size(c.oid) / :n AS "bytes per session"
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE ns.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'refinery_schema_history'
ORDER BY pg_total_relation_size(c.oid) DESC;
SELECT sum(pg_total_relation_size(c.oid)) / :n AS "bytes per session, all tables"
FROM pg_class c JOIN pg_namespace ns ON ns.oid = c.relnamespace
WHERE ns.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'refinery_schema_history';
