-- wrk script for POST /api/v1/meldingen: every request a new report of new content (a new
-- case), with an Idempotency-Key; non-201 answers are counted and printed at the end.
-- Use: TOKEN=… wrk -t2 -c32 -d30s --latency -s scripts/wrk-intake.lua http://127.0.0.1:18700
local counter = 0
local thread_id = 0
local threads = {}

function setup(thread)
  thread_id = thread_id + 1
  thread:set("id", thread_id)
  table.insert(threads, thread)
end

function init(args)
  token = os.getenv("TOKEN")
  run = os.getenv("RUN") or tostring(os.time())
  failures = 0
end

function request()
  counter = counter + 1
  local n = string.format("%d%d%09d", run, id, counter)
  local body = '{"links":[{"url":"https://www.tiktok.com/@bench/video/' .. n .. '?_t=x"}],' ..
    '"categorie":"call_to_gather","urgentie":"high","onderbouwing":"Oproep voor vanavond",' ..
    '"namens":"De burgemeester","verwachteVerstoring":{"gemeente":"GM0363","plaats":"Dam"}}'
  return wrk.format("POST", "/api/v1/meldingen", {
    ["Content-Type"] = "application/json",
    ["Authorization"] = "Bearer " .. token,
    ["Idempotency-Key"] = "wrk-" .. n,
  }, body)
end

function response(status, headers, body)
  if status ~= 201 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local failed = 0
  for _, t in ipairs(threads) do
    failed = failed + (t:get("failures") or 0)
  end
  io.write(string.format("not 201: %d\n", failed))
end
