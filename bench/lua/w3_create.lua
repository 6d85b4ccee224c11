-- W3: createAdverseEvent with the seed's example payload, as bench_writer
-- (BENCH_WRITER_TOKEN), so W2's patient keeps its ~120 events.
WORKLOAD = "W3 createAdverseEvent"
dofile(os.getenv("BENCH_LUA_DIR") .. "/create_body.lua")
function make_body(n) return create_body(n) end
function auth_for(n) return WRITER_TOKEN end
check = check_create
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")
