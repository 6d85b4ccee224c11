-- W2: the nested list of 50 events with their patient and attachments, as bench_patient
-- (who owns ~120 events with 2 attachments each). Every response must hold exactly 50
-- nodes, each naming bench_patient, and attachments.
WORKLOAD = "W2 events(50)"
local expected_user = os.getenv("BENCH_EXPECT_USERNAME") or "bench_patient"
BODY = '{"query":"{ adverseEvents(first: 50) { edges { node { id title patient { username } attachments { fileName } } } } }"}'
local patient = '"patient":{"username":"' .. expected_user .. '"}'
function check(body)
  if string.find(body, '{"data":{"adverseEvents":{"edges":[', 1, true) ~= 1 then return nil, "no adverseEvents" end
  local nodes = count_plain(body, '"node":{')
  if nodes ~= 50 then return nil, "expected 50 nodes, got " .. nodes end
  if count_plain(body, patient) ~= 50 then return nil, "patient missing on a node" end
  if count_plain(body, '"attachments":[{"fileName":"') ~= 50 then return nil, "attachments missing on a node" end
  return "events"
end
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
