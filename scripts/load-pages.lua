-- wrk script for scripts/load-pages: one page per run, chosen by the ROUTE environment variable.
--   ROUTE=dashboard  GET /dashboard
--   ROUTE=cases      GET /cases?cursor=N, N random over the cases (fifty a page)
-- COOKIE is the session cookie (name=value); CASES the number of cases.
local route = os.getenv("ROUTE")
local cases = tonumber(os.getenv("CASES") or "1000000")
wrk.headers["Cookie"] = os.getenv("COOKIE")

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
    return wrk.format("GET", "/cases?cursor=" .. math.random(0, math.max(cases - 50, 0)))
  end
  return wrk.format("GET", "/dashboard")
end

-- Anything but the page itself (a redirect to sign in included) is a failure.
local failures = 0
function response(status, headers, body)
  if status ~= 200 then
    failures = failures + 1
  end
end

function done(summary, latency, requests)
  local ms = function(us) return string.format("%.1f ms", us / 1000) end
  io.write(string.format("%s: %d requests in %.1f s, %.0f/s; latency p50 %s, p95 %s, p99 %s, max %s; not 200 %d, socket errors %d\n",
    route, summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    ms(latency:percentile(50)), ms(latency:percentile(95)), ms(latency:percentile(99)), ms(latency.max),
    failures, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
