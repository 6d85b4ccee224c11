-- W5: a mix in a fixed, interleaved cycle of 20 requests:
--   7 me (35 %), 7 events list (35 %)   -> 70 % reads, as bench_patient
--   4 createAdverseEvent (20 %)          -> as bench_writer
--   2 updateMySettings (10 %)            -> as bench_patient (language cycles en/hi/ta)
WORKLOAD = "W5 mix"
dofile(os.getenv("BENCH_LUA_DIR") .. "/create_body.lua")
local ME = '{"query":"{ me { id username } }"}'
local EVENTS = '{"query":"{ adverseEvents(first: 50) { edges { node { id title patient { username } attachments { fileName } } } } }"}'
local langs = { "en", "hi", "ta" }
local function settings(n)
  return '{"query":"mutation($input: UpdateMySettingsInput!) { updateMySettings(input: $input) { notificationPreference language } }","variables":{"input":{"language":"' ..
    langs[1 + (n % 3)] .. '","notificationPreference":"SMS"}}}'
end
-- m = me, e = events, c = create, s = settings
local cycle = { "m", "e", "c", "m", "e", "s", "m", "e", "c", "m", "e", "m", "e", "c", "s", "m", "e", "c", "m", "e" }
local function kind(n) return cycle[1 + ((n + (tid or 0) * 7) % #cycle)] end
function make_body(n)
  local k = kind(n)
  if k == "m" then return ME end
  if k == "e" then return EVENTS end
  if k == "c" then return create_body(n) end
  return settings(n)
end
function auth_for(n)
  if kind(n) == "c" then return WRITER_TOKEN end
  return TOKEN
end
function check(body)
  if string.find(body, '{"data":{"me":{', 1, true) == 1 then return "me" end
  if string.find(body, '{"data":{"adverseEvents":{"edges":[', 1, true) == 1 then
    if count_plain(body, '"node":{') ~= 50 then return nil, "expected 50 nodes" end
    return "events"
  end
  if string.find(body, '{"data":{"createAdverseEvent":', 1, true) == 1 then return check_create(body) end
  if string.find(body, '{"data":{"updateMySettings":{', 1, true) == 1 then
    if not string.find(body, '"notificationPreference":"SMS"', 1, true) then return nil, "settings not applied" end
    return "settings"
  end
  return nil, "unexpected body"
end
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
