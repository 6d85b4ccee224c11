-- W4: login (Argon2id verification at the production cost), rotating over the seeded
-- accounts user_0004 .. user_1000 (BENCH_LOGIN_FIRST .. BENCH_LOGIN_LAST), all sharing
-- BENCH_PASSWORD. Threads start at different offsets.
WORKLOAD = "W4 login"
local first = tonumber(os.getenv("BENCH_LOGIN_FIRST") or "4")
local last = tonumber(os.getenv("BENCH_LOGIN_LAST") or "1000")
local password = os.getenv("BENCH_PASSWORD")
local span = last - first + 1
local q = '{"query":"mutation($input: LoginInput!) { login(input: $input) { accessToken user { id } } }","variables":{"input":{"login":"'
local mid = '","password":"' .. password .. '"}}}'
function make_body(n)
  local user = first + ((n + (tid or 0) * 97) % span)
  return q .. string.format("user_%04d", user) .. mid
end
function auth_for(n) return "" end
function check(body)
  if string.find(body, '{"data":{"login":{', 1, true) ~= 1 then return nil, "no login" end
  if not string.find(body, '"accessToken":"ey', 1, true) then return nil, "no access token" end
  return "login"
end
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
