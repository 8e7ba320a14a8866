-- wrk script of bench_http.py: the request (method, token, If-None-Match, a
-- body unique to each request), and a JSON summary with latency percentiles.
local method = os.getenv("BENCH_METHOD") or "GET"
local kind = os.getenv("BENCH_BODY") or ""
local token = os.getenv("BENCH_TOKEN") or ""
local etag = os.getenv("BENCH_ETAG") or ""
local salt = os.getenv("BENCH_SALT") or string.rep("0", 40)
local threads = {}
local count = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("id", #threads)
end

request = function()
  count = count + 1
  local headers = {}
  if token ~= "" then headers["Authorization"] = "Bearer " .. token end
  if etag ~= "" then headers["If-None-Match"] = etag end
  local body = nil
  -- 40 + 8 + 16 hex digits: unique across runs, threads and requests
  local unique = string.format("%s%08x%016x", salt, id, count)
  if kind == "generation" then
    headers["Content-Type"] = "application/json"
    body = '{"tool": "video", "tool_version": "2.1", "media_type": "image/png", '
      .. '"output_sha256": "' .. unique .. '"}'
  elseif kind == "application" then
    headers["Content-Type"] = "application/json"
    body = '{"artist_name": "Artist ' .. unique .. '", "email": "a' .. unique
      .. '@example.org", "portfolio_url": "https://example.org/' .. unique
      .. '", "statement": "bench"}'
  end
  return wrk.format(method, nil, headers, body)
end

done = function(summary, latency, requests)
  print(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, '
      .. '"status_errors": %d, "socket_errors": %d}',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
