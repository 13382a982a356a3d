-- wrk script: authenticated JSON submission POSTs (bench/api-bench.sh sets the environment).
-- SOLVEIT_RATE: offer about this many requests per second in all (wrk2 is not in Debian: this is
-- wrk's delay() on a fixed schedule) instead of sending as fast as the answers come back.
-- SOLVEIT_THREADS: wrk's -t (the rate is shared among the threads).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("SOLVEIT_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("SOLVEIT_CSRF")
wrk.body = '{"task_id":' .. (os.getenv("SOLVEIT_TASK") or "1") ..
	',"language_id":71,"code":"print(\\"Hello, World!\\")\\n"}'

-- Each wrk thread has its own Lua state; the counts are read from every thread at the end.
local threads = {}

setup = function(thread)
	table.insert(threads, thread)
end

init = function(args)
	bad = 0
	late = 0
end

response = function(status, headers, body)
	if status ~= 202 then
		bad = bad + 1
	end
end

-- The pacing: each thread hands out send times on a fixed schedule (slot k at start + k x
-- interval), one to each connection that is ready to send; a connection whose slot has passed
-- sends at once. So the offered rate holds while answers are quick and the schedule catches up
-- after a stall (as wrk2 does). wrk times a request from its sending, not from its slot: a send
-- more than one interval behind its slot is counted as late, and a run with many late sends was
-- not offered the rate (the latency then omits the wait for a connection).
local rate = tonumber(os.getenv("SOLVEIT_RATE") or "")
if rate and rate > 0 then
	local ffi = require("ffi")
	ffi.cdef([[
		typedef struct { long sec; long nsec; } solveit_bench_time;
		int clock_gettime(int clock, solveit_bench_time *t);
	]])
	local now_buf = ffi.new("solveit_bench_time")
	local function now_ms()
		ffi.C.clock_gettime(1, now_buf) -- CLOCK_MONOTONIC
		return tonumber(now_buf.sec) * 1000 + tonumber(now_buf.nsec) / 1e6
	end
	local interval = 1000 * (tonumber(os.getenv("SOLVEIT_THREADS") or "") or 1) / rate
	local next_slot

	delay = function()
		local now = now_ms()
		local slot = next_slot or now

		next_slot = slot + interval
		if slot < now - interval then
			late = late + 1
			return 0
		end
		return slot > now and math.floor(slot - now) or 0
	end
end

done = function(summary, latency, requests)
	local total, behind = 0, 0
	for _, thread in ipairs(threads) do
		total = total + (thread:get("bad") or 0)
		behind = behind + (thread:get("late") or 0)
	end
	io.write(string.format("non-202 answers: %d\n", total))
	io.write(string.format("late sends: %d\n", behind))
end
