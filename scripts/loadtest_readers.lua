-- Readers for `make loadtest` (scripts/bench/loadtest.py): each request asks for the
-- next of the paths given as arguments (threads start at different ones), and each
-- answer is counted by its status class, so that server errors are told apart from
-- the other non-2xx answers wrk lumps together.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("offset", #threads)
end

function init(args)
  paths = args
  position = offset
  answers = { 0, 0, 0, 0, 0 }
end

function request()
  position = position % #paths + 1
  return wrk.format("GET", paths[position])
end

function response(status, headers, body)
  local class = math.floor(status / 100)
  if class >= 1 and class <= 5 then
    answers[class] = answers[class] + 1
  end
end

function done(summary, latency, requests)
  local totals = { 0, 0, 0, 0, 0 }
  for _, thread in ipairs(threads) do
    local counted = thread:get("answers")
    for class = 1, 5 do
      totals[class] = totals[class] + counted[class]
    end
  end
  io.write(string.format("loadtest-readers 2xx=%d 3xx=%d 4xx=%d 5xx=%d\n",
    totals[2], totals[3], totals[4], totals[5]))
end
