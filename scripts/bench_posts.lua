-- Comment POSTs for `make bench` (scripts/bench/load.py): every request posts a distinct
-- comment (its own body and email address, so the duplicate and trust rules stay out
-- of the way), with the CSRF cookie, token and form timestamp of one earlier GET.
-- Arguments: token, timestamp, CSRF cookie, run marker, path.

local threads = {}
local thread_count = 0

function setup(thread)
  thread_count = thread_count + 1
  thread:set("reader", thread_count)
  table.insert(threads, thread)
end

local function encode(text)
  return (text:gsub("[^%w%-%._~]", function(c)
    return string.format("%%%02X", string.byte(c))
  end))
end

function init(args)
  token, timestamp, cookie, marker, path = args[1], args[2], args[3], args[4], args[5]
  sent, accepted, refused = 0, 0, 0
  fixed = "csrfmiddlewaretoken=" .. encode(token) .. "&timestamp=" .. encode(timestamp)
    .. "&author_name=" .. encode("Bench reader " .. reader)
    .. "&author_url=&fax_number=&parent="
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Cookie"] = "csrftoken=" .. cookie
end

function request()
  sent = sent + 1
  local body = fixed
    .. "&body=" .. encode("Reader " .. reader .. " says thank you, note " .. sent
      .. " of run " .. marker .. ".")
    .. "&author_email=" .. encode("bench" .. reader .. "x" .. sent .. "@example.org")
  return wrk.format("POST", path, nil, body)
end

function response(status, headers, body)
  if status == 302 then
    accepted = accepted + 1
  else
    refused = refused + 1
  end
end

function done(summary, latency, requests)
  local total_accepted, total_refused = 0, 0
  for _, thread in ipairs(threads) do
    total_accepted = total_accepted + thread:get("accepted")
    total_refused = total_refused + thread:get("refused")
  end
  io.write(string.format("bench-posts accepted=%d refused=%d\n", total_accepted, total_refused))
end
