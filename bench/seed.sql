-- Deterministic benchmark data, loaded straight into the tables after
-- `rakshaayan migrate up` and `rakshaayan create-admin` (which made user 1, bench_admin,
-- and the one Argon2id hash every account shares). Run by bench/run.sh as
--   psql -v ON_ERROR_STOP=1 -v hash="$HASH" -f bench/seed.sql
-- Same input, same rows: ids follow insertion order on a fresh database.
--
--   auth_users                 1,000: bench_admin (1), bench_patient (2), bench_writer (3),
--                              user_0004 .. user_1000 of every type
--   patient_adverse_events    20,000: 120 owned by bench_patient, statuses mixed
--   patient_event_attachments 40,000: two per event, unique file_path

\set ON_ERROR_STOP 1
BEGIN;

INSERT INTO auth_users (username, email, phone_number, user_type, is_phone_verified,
  is_email_verified, is_active, password, first_name, last_name, organization_name,
  designation, address, failed_login_count, created_at, updated_at)
VALUES
  ('bench_patient', 'bench_patient@bench.example.org', '+919100000002', 'patient', true, true, true,
   :'hash', 'Bench', 'Patient', NULL, NULL, 'Pune', 0,
   '2025-01-01 00:00:00+00', '2025-01-01 00:00:00+00'),
  ('bench_writer', 'bench_writer@bench.example.org', '+919100000003', 'patient', true, true, true,
   :'hash', 'Bench', 'Writer', NULL, NULL, 'Pune', 0,
   '2025-01-01 00:00:00+00', '2025-01-01 00:00:00+00');

-- g % 20: 0,10 hospital (10 %), 1,11 manufacturer (10 %), 2 government (5 %),
-- 3 coordinator (5 %), 4 admin (5 %), the rest patients (65 %).
INSERT INTO auth_users (username, email, phone_number, user_type, is_phone_verified,
  is_email_verified, is_active, password, first_name, last_name, organization_name,
  designation, address, failed_login_count, created_at, updated_at)
SELECT
  format('user_%s', lpad(g::text, 4, '0')),
  format('user_%s@bench.example.org', lpad(g::text, 4, '0')),
  '+91' || (9100000000 + g)::text,
  t.user_type,
  true, g % 3 = 0, true,
  :'hash',
  'First' || g, 'Last' || g,
  CASE t.user_type
    WHEN 'hospital' THEN 'Hospital ' || g
    WHEN 'manufacturer' THEN (ARRAY['MedTech Inc.', 'CardioCorp', 'PulmoSystems', 'OrthoWorks',
      'GlucoSense', 'ImagingPlus', 'SurgiTools', 'InfuseCare', 'NeuroStim', 'VisionMed'])[1 + (g / 20) % 10]
  END,
  CASE WHEN t.user_type IN ('government', 'coordinator', 'admin') THEN 'Officer' END,
  'Address ' || g,
  0,
  timestamptz '2025-01-01 00:00:00+00' + g * interval '1 hour',
  timestamptz '2025-01-01 00:00:00+00' + g * interval '1 hour'
FROM generate_series(4, 1000) AS g
CROSS JOIN LATERAL (SELECT CASE
    WHEN g % 20 IN (0, 10) THEN 'hospital'
    WHEN g % 20 IN (1, 11) THEN 'manufacturer'
    WHEN g % 20 = 2 THEN 'government'
    WHEN g % 20 = 3 THEN 'coordinator'
    WHEN g % 20 = 4 THEN 'admin'
    ELSE 'patient' END AS user_type) AS t
ORDER BY g;

-- Events 1..120 belong to bench_patient; 121..20,000 are spread over the other patients.
-- Status cycles draft, submitted, under_review, approved, rejected; reviewed ones name a
-- coordinator.
WITH p AS (
  SELECT array_agg(id ORDER BY id) AS ids FROM auth_users
  WHERE user_type = 'patient' AND username LIKE 'user\_%'
), c AS (
  SELECT array_agg(id ORDER BY id) AS ids FROM auth_users WHERE user_type = 'coordinator'
)
INSERT INTO patient_adverse_events (patient_id, title, description, severity, status,
  device_name, device_category, manufacturer, model_number, serial_number, event_date,
  event_location, symptoms, treatment_received, outcome, witnesses, additional_notes,
  supporting_documents, review_note, created_at, updated_at, reviewed_by, reviewed_at)
SELECT
  CASE WHEN i <= 120 THEN (SELECT id FROM auth_users WHERE username = 'bench_patient')
       ELSE p.ids[1 + (i % array_length(p.ids, 1))] END,
  'Bench event ' || i,
  'Deterministic benchmark event number ' || i || '. The device stopped working as expected.',
  (ARRAY['mild', 'moderate', 'severe', 'critical'])[1 + i % 4],
  s.status,
  'Device ' || (i % 50),
  (ARRAY['Monitoring', 'Cardiac', 'Respiratory', 'Orthopedic', 'Diabetes', 'Imaging',
    'Surgical', 'Infusion'])[1 + i % 8],
  (ARRAY['MedTech Inc.', 'CardioCorp', 'PulmoSystems', 'OrthoWorks', 'GlucoSense',
    'ImagingPlus', 'SurgiTools', 'InfuseCare', 'NeuroStim', 'VisionMed'])[1 + i % 10],
  'M-' || (i % 100),
  'SN' || lpad(i::text, 9, '0'),
  date '2024-01-01' + (i % 365),
  'City ' || (i % 30),
  'Incorrect readings, case ' || i,
  CASE WHEN i % 2 = 0 THEN 'Device replaced' END,
  CASE WHEN i % 3 = 0 THEN 'No injury' END,
  NULL,
  NULL,
  '[]'::json,
  CASE WHEN s.status = 'rejected' THEN 'Insufficient detail' END,
  timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute',
  timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute',
  CASE WHEN s.status IN ('under_review', 'approved', 'rejected')
       THEN c.ids[1 + (i % array_length(c.ids, 1))] END,
  CASE WHEN s.status IN ('under_review', 'approved', 'rejected')
       THEN timestamptz '2025-01-01 00:00:00+00' + i * interval '1 minute' + interval '1 day' END
FROM generate_series(1, 20000) AS i
CROSS JOIN p CROSS JOIN c
CROSS JOIN LATERAL (SELECT (ARRAY['draft', 'submitted', 'under_review', 'approved',
  'rejected'])[1 + i % 5] AS status) AS s
ORDER BY i;

-- Two attachments per event: a PDF and a PNG.
INSERT INTO patient_event_attachments (event_id, file_name, file_type, file_size, file_path,
  content_type, sha256, uploaded_at)
SELECT
  e.id,
  CASE k WHEN 1 THEN format('report_%s.pdf', e.id) ELSE format('photo_%s.png', e.id) END,
  CASE k WHEN 1 THEN 'document' ELSE 'image' END,
  1000 + (e.id * 37 * k) % 500000,
  format('bench/%s/%s-%s', e.id, k, md5(e.id::text || '/' || k::text)),
  CASE k WHEN 1 THEN 'application/pdf' ELSE 'image/png' END,
  md5('a' || e.id || '/' || k) || md5('b' || e.id || '/' || k),
  e.created_at + interval '1 minute'
FROM patient_adverse_events e
CROSS JOIN generate_series(1, 2) AS k
ORDER BY e.id, k;

COMMIT;

VACUUM ANALYZE auth_users;
VACUUM ANALYZE patient_adverse_events;
VACUUM ANALYZE patient_event_attachments;

SELECT
  (SELECT count(*) FROM auth_users) AS users,
  (SELECT count(*) FROM patient_adverse_events) AS events,
  (SELECT count(*) FROM patient_event_attachments) AS attachments,
  (SELECT count(*) FROM patient_adverse_events e JOIN auth_users u ON u.id = e.patient_id
    WHERE u.username = 'bench_patient') AS bench_patient_events;
