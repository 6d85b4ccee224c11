-- W2's two statements reading only what the benchmark's selection needs (narrow rows).
-- pgbench -n -M prepared -c 4 -j 1 -T 8 -f bench/pgbench/w2_narrow.sql <db>
SELECT id, patient_id, title, status, manufacturer, reviewed_by, created_at FROM patient_adverse_events WHERE patient_id = 2 ORDER BY created_at DESC, id DESC LIMIT 51;
SELECT id, event_id, file_name FROM patient_event_attachments WHERE event_id IN (120,119,118,117,116,115,114,113,112,111,110,109,108,107,106,105,104,103,102,101,100,99,98,97,96,95,94,93,92,91,90,89,88,87,86,85,84,83,82,81,80,79,78,77,76,75,74,73,72,71) ORDER BY uploaded_at, id;
