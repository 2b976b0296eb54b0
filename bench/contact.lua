-- contact.lua - wrk script of `make bench`: ManyChat contact webhooks.
--
-- Every request carries a manychat_id never sent before, so each one is a
-- new event (not an idempotent replay): bench-LABEL-tTHREAD-N, where LABEL
-- is unique per wrk run (bench/run.sh makes it from the time, its pid, the
-- connection count and the run number), THREAD is wrk's thread number and
-- N counts that thread's requests.
--
-- response() counts answers by status and keeps the manychat_id of every
-- 2xx (read back from the answer body), so that bench/run.sh can check each
-- acknowledged event against the spool, not only their number. done()
-- gathers the threads' counts through the thread table filled by setup(),
-- writes the acknowledged ids to BENCH_ACKED and prints one line:
--   bench: key=value ...   (latencies in microseconds)
--
-- Environment, read by each thread and by done():
--   BENCH_KEY    the X-API-KEY to send                        (required)
--   BENCH_LABEL  unique label of this run                     (required)
--   BENCH_ACKED  file for the 2xx ids, one a line             (required)
--   BENCH_PATH   path (default /api/v1/manychat/webhook/contact)

-- setup() and done() run in wrk's main Lua state, apart from the threads.
local threads = {}

function setup(thread)
	table.insert(threads, thread)
	thread:set("tid", #threads)
end

-- Per-thread state, fetched by done() with thread:get().
tid = 0
sent = 0
ok2xx = 0
non2xx = 0
noid = 0		-- 2xx answers without a manychat_id in the body
statuses = {}		-- "202" -> count
acked = {}		-- manychat_id of each 2xx

local head, prefix

local function need(name)
	local v = os.getenv(name)
	if not v or v == "" then
		error("contact.lua: " .. name .. " is not set")
	end
	return v
end

function init(args)
	local path = os.getenv("BENCH_PATH") or
	    "/api/v1/manychat/webhook/contact"
	local host = wrk.host
	if wrk.port then
		host = host .. ":" .. wrk.port
	end
	prefix = "bench-" .. need("BENCH_LABEL") .. "-t" .. tid .. "-"
	head = "POST " .. path .. " HTTP/1.1\r\n" ..
	    "Host: " .. host .. "\r\n" ..
	    "X-API-KEY: " .. need("BENCH_KEY") .. "\r\n" ..
	    "Content-Type: application/json\r\n" ..
	    "Content-Length: "
end

function request()
	sent = sent + 1
	local body = '{"manychat_id":"' .. prefix .. sent .. '",' ..
	    '"nombre_lead":"Bench",' ..
	    '"datetime_actual":"2026-11-23T10:00:00Z",' ..
	    '"email":"b@example.com"}'
	return head .. #body .. "\r\n\r\n" .. body
end

function response(status, headers, body)
	local k = tostring(status)
	statuses[k] = (statuses[k] or 0) + 1
	if status < 200 or status > 299 then
		non2xx = non2xx + 1
		return
	end
	ok2xx = ok2xx + 1
	local id = body and body:match('"manychat_id"%s*:%s*"([^"]+)"')
	if id then
		acked[#acked + 1] = id
	else
		noid = noid + 1
	end
end

function done(summary, latency, requests)
	local sum = { sent = 0, ok2xx = 0, non2xx = 0, noid = 0 }
	local st = {}
	local f = assert(io.open(need("BENCH_ACKED"), "w"))

	for _, t in ipairs(threads) do
		for k in pairs(sum) do
			sum[k] = sum[k] + t:get(k)
		end
		for k, v in pairs(t:get("statuses")) do
			st[k] = (st[k] or 0) + v
		end
		for _, id in ipairs(t:get("acked")) do
			f:write(id, "\n")
		end
	end
	f:close()

	local codes = {}
	for k, v in pairs(st) do
		codes[#codes + 1] = k .. ":" .. v
	end
	table.sort(codes)
	local e = summary.errors
	io.write(string.format("bench: requests=%d duration_us=%d rps=%.1f" ..
	    " p50_us=%d p90_us=%d p99_us=%d max_us=%d mean_us=%.0f" ..
	    " sent=%d ok2xx=%d non2xx=%d noid=%d" ..
	    " err_connect=%d err_read=%d err_write=%d err_timeout=%d" ..
	    " statuses=%s\n",
	    summary.requests, summary.duration,
	    summary.requests / (summary.duration / 1e6),
	    latency:percentile(50), latency:percentile(90),
	    latency:percentile(99), latency.max, latency.mean,
	    sum.sent, sum.ok2xx, sum.non2xx, sum.noid,
	    e.connect, e.read, e.write, e.timeout,
	    #codes > 0 and table.concat(codes, ",") or "none"))
end
