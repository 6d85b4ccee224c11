-- W2's two statements as the server sent them before column projection (full rows),
-- for bench_patient (id 2 in bench/seed.sql) and its 50 newest events (ids 71..120).
-- pgbench -n -M prepared -c 4 -j 1 -T 8 -f bench/pgbench/w2_full.sql <db>
SELECT * FROM patient_adverse_events WHERE patient_id = 2 ORDER BY created_at DESC, id DESC LIMIT 51;
SELECT * FROM patient_event_attachments WHERE event_id IN (120,119,118,117,116,115,114,113,112,111,110,109,108,107,106,105,104,103,102,101,100,99,98,97,96,95,94,93,92,91,90,89,88,87,86,85,84,83,82,81,80,79,78,77,76,75,74,73,72,71) ORDER BY uploaded_at, id;
