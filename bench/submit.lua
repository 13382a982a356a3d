-- wrk script: authenticated JSON submission POSTs (bench/api-bench.sh sets the environment).
-- SOLVEIT_PACE_MS: each connection waits this long between requests (an offered rate of about
-- connections * 1000 / pace per second) instead of sending as fast as it can.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("SOLVEIT_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("SOLVEIT_CSRF")
wrk.body = '{"task_id":' .. (os.getenv("SOLVEIT_TASK") or "1") ..
	',"language_id":71,"code":"print(\\"Hello, World!\\")\\n"}'

local pace = tonumber(os.getenv("SOLVEIT_PACE_MS") or "")
if pace then
	delay = function()
		return pace
	end
end

-- Every answer must be 202: count anything else so the figures are not flattered by errors.
-- Each wrk thread has its own Lua state, so the counts are read from every thread at the end.
local threads = {}

setup = function(thread)
	table.insert(threads, thread)
end

init = function(args)
	bad = 0
end

response = function(status, headers, body)
	if status ~= 202 then
		bad = bad + 1
	end
end

done = function(summary, latency, requests)
	local total = 0
	for _, thread in ipairs(threads) do
		total = total + (thread:get("bad") or 0)
	end
	io.write(string.format("non-202 answers: %d\n", total))
end
