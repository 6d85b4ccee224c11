-- Shared by every bench/lua/w*.lua script (loaded with dofile in each Lua state wrk
-- creates: the main one, which runs setup() and done(), and one per wrk thread).
--
-- A workload script defines before loading this file:
--   WORKLOAD        a short name for the report
--   BODY            a static JSON body (optional when make_body is given)
--   make_body(n)    optional: the JSON body of this thread's n-th request
--   auth_for(n)     optional: the Authorization header value of request n
--   check(body)     returns a kind string ("me", "events", ...) when the body is a
--                   correct answer, or nil plus a reason when it is not
--
-- Every response is checked: HTTP status 200, a body whose "data" holds what the
-- operation asked for and no "errors" key. Failures are counted per reason and the first
-- one is kept; done() prints one machine-readable line, BENCH_RESULT {json}, which
-- bench/run.sh parses. Ids returned by createAdverseEvent are written to
-- $BENCH_IDS_FILE (one per line) so run.sh can prove no acknowledged row was lost.

local path = os.getenv("BENCH_GRAPHQL_PATH") or "/graphql"
TOKEN = os.getenv("BENCH_TOKEN") or ""
WRITER_TOKEN = os.getenv("BENCH_WRITER_TOKEN") or TOKEN
RUN_ID = os.getenv("BENCH_RUN_ID") or "run"

local base_headers = {
  ["Content-Type"] = "application/json",
  ["User-Agent"] = "rk-bench/wrk",
}

-- ----------------------------------------------------------------------------
-- main state: thread bookkeeping
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

-- ----------------------------------------------------------------------------
-- thread state
ok, fail, n = 0, 0, 0
fail_status, fail_errors, fail_shape = 0, 0, 0
first_fail = ""
kinds = {}
ids = {}
nids = 0

local function headers_with(auth)
  local h = {}
  for k, v in pairs(base_headers) do h[k] = v end
  if auth and auth ~= "" then h["Authorization"] = "Bearer " .. auth end
  return h
end

function init(args)
  if make_body == nil then
    wrk.method = "POST"
    wrk.path = path
    wrk.body = BODY
    wrk.headers = headers_with(auth_for and auth_for(0) or TOKEN)
    request = nil -- wrk then sends the prebuilt static request
  end
end

if make_body ~= nil then
  local header_cache = {}
  function request()
    n = n + 1
    local auth = auth_for and auth_for(n) or TOKEN
    local h = header_cache[auth]
    if h == nil then
      h = headers_with(auth)
      header_cache[auth] = h
    end
    return wrk.format("POST", path, h, make_body(n))
  end
end

local function record_failure(reason, status, body)
  fail = fail + 1
  if first_fail == "" then
    first_fail = reason .. " (HTTP " .. tostring(status) .. "): " .. string.sub(body or "", 1, 400)
  end
end

function response(status, headers, body)
  if status ~= 200 then
    fail_status = fail_status + 1
    record_failure("status", status, body)
    return
  end
  if string.find(body, '"errors"', 1, true) then
    fail_errors = fail_errors + 1
    record_failure("errors", status, body)
    return
  end
  local kind, why = check(body)
  if kind == nil then
    fail_shape = fail_shape + 1
    record_failure(why or "shape", status, body)
    return
  end
  ok = ok + 1
  kinds[kind] = (kinds[kind] or 0) + 1
  if kind == "create" then
    local id = string.match(body, '"createAdverseEvent":{[^{}]-"id":"(%d+)"')
    if id then
      nids = nids + 1
      ids[nids] = id
    end
  end
end

-- Counts plain (non-pattern) occurrences of needle in s.
function count_plain(s, needle)
  local c, i = 0, 1
  while true do
    local j = string.find(s, needle, i, true)
    if j == nil then return c end
    c = c + 1
    i = j + #needle
  end
end

-- ----------------------------------------------------------------------------
-- main state: the report
local function json_string(s)
  s = string.gsub(s, '[%c"\\]', function(c)
    if c == '"' then return '\\"' end
    if c == "\\" then return "\\\\" end
    return string.format("\\u%04x", string.byte(c))
  end)
  return '"' .. s .. '"'
end

function done(summary, latency, requests)
  local t_ok, t_fail, t_status, t_errors, t_shape = 0, 0, 0, 0, 0
  local all_kinds = {}
  local sample = ""
  local ids_file = os.getenv("BENCH_IDS_FILE")
  local fh = nil
  if ids_file and ids_file ~= "" then fh = io.open(ids_file, "w") end
  for _, t in ipairs(threads) do
    t_ok = t_ok + (t:get("ok") or 0)
    t_fail = t_fail + (t:get("fail") or 0)
    t_status = t_status + (t:get("fail_status") or 0)
    t_errors = t_errors + (t:get("fail_errors") or 0)
    t_shape = t_shape + (t:get("fail_shape") or 0)
    local ff = t:get("first_fail") or ""
    if sample == "" and ff ~= "" then sample = ff end
    local k = t:get("kinds") or {}
    for name, c in pairs(k) do all_kinds[name] = (all_kinds[name] or 0) + c end
    if fh then
      local tids = t:get("ids") or {}
      for _, id in ipairs(tids) do fh:write(id, "\n") end
    end
  end
  if fh then fh:close() end
  local kparts = {}
  for name, c in pairs(all_kinds) do
    table.insert(kparts, json_string(name) .. ":" .. c)
  end
  local e = summary.errors
  local out = string.format(
    '{"workload":%s,"requests":%d,"duration_us":%d,"bytes":%d,' ..
    '"ok":%d,"failed":%d,"failed_status":%d,"failed_errors":%d,"failed_shape":%d,' ..
    '"socket_connect":%d,"socket_read":%d,"socket_write":%d,"socket_timeout":%d,"http_status_errors":%d,' ..
    '"lat_p50_us":%d,"lat_p90_us":%d,"lat_p99_us":%d,"lat_max_us":%d,"lat_mean_us":%.1f,' ..
    '"kinds":{%s},"first_failure":%s}',
    json_string(WORKLOAD), summary.requests, summary.duration, summary.bytes,
    t_ok, t_fail, t_status, t_errors, t_shape,
    e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
    table.concat(kparts, ","), json_string(sample))
  io.write("BENCH_RESULT ", out, "\n")
end
