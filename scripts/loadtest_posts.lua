-- Commenters for `make loadtest` (scripts/bench/loadtest.py): bench_posts.lua's
-- distinct comments, run with one connection per wrk thread so that each answer
-- belongs to the note the thread sent last. Each thread reports which of its notes
-- were refused (and with which status), which went unanswered because the connection
-- was lost, and the one still in flight when wrk stopped; every other note it sent
-- was accepted. (wrk builds one request in its first thread to check the script and
-- never sends it: that thread's note 1 is reported lost.) Same arguments as
-- bench_posts.lua.

dofile("scripts/bench_posts.lua")

local bench_setup, bench_request, bench_response, bench_done = setup, request, response, done
local threads = {}

function setup(thread)
  bench_setup(thread)
  table.insert(threads, thread)
end

function request()
  if pending then
    lost = lost .. pending .. ","
  end
  local built = bench_request()
  pending = sent
  return built
end

function response(status, headers, body)
  bench_response(status, headers, body)
  if status ~= 302 and pending then
    refusals = refusals .. pending .. ":" .. status .. ","
  end
  pending = nil
end

function done(summary, latency, requests)
  bench_done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    io.write(string.format("loadtest-posts reader=%d sent=%d refused=%s lost=%s in_flight=%s\n",
      thread:get("reader"), thread:get("sent"), thread:get("refusals"), thread:get("lost"),
      thread:get("pending") or ""))
  end
end

local bench_init = init
function init(args)
  bench_init(args)
  refusals, lost, pending = "", "", nil
end
