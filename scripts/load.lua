-- wrk script for scripts/load: one route per run, chosen by the ROUTE environment variable.
--   ROUTE=quote  POST /api/v1/quotes with docs/examples/case.json
--   ROUTE=cases  GET /api/v1/cases?limit=50&cursor=N, N random over the loans
-- TOKEN is the bearer token; CASE_FILE the quote case; LOANS the number of cases.
local route = os.getenv("ROUTE")
local loans = tonumber(os.getenv("LOANS") or "1000000")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")

if route == "quote" then
  local f = assert(io.open(os.getenv("CASE_FILE"), "r"))
  wrk.method = "POST"
  wrk.body = f:read("*a")
  f:close()
  wrk.headers["Content-Type"] = "application/json"
end

local counter = 0
function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
end

function init(args)
  math.randomseed(id * 7919)
end

function request()
  if route == "cases" then
    local cursor = math.random(0, math.max(loans - 50, 0))
    return wrk.format("GET", "/api/v1/cases?limit=50&cursor=" .. cursor)
  end
  return wrk.format(nil, "/api/v1/quotes")
end

local failures = 0
function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local ms = function(us) return string.format("%.1f ms", us / 1000) end
  io.write(string.format("%s: %d requests in %.1f s, %.0f/s; latency p50 %s, p95 %s, p99 %s, max %s; non-2xx %d, socket errors %d\n",
    route, summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    ms(latency:percentile(50)), ms(latency:percentile(95)), ms(latency:percentile(99)), ms(latency.max),
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
