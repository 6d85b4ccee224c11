-- W1: { me { id username } } with a Bearer token (BENCH_TOKEN, bench_patient's).
WORKLOAD = "W1 me"
local expected_user = os.getenv("BENCH_EXPECT_USERNAME") or "bench_patient"
BODY = '{"query":"{ me { id username } }"}'
local needle = '"username":"' .. expected_user .. '"'
function check(body)
  if string.find(body, '{"data":{"me":{', 1, true) ~= 1 then return nil, "no me" end
  if not string.find(body, needle, 1, true) then return nil, "wrong user" end
  return "me"
end
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
