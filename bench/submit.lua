-- wrk script: authenticated JSON submission POSTs (bench/api-bench.sh sets the environment).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = os.getenv("SOLVEIT_COOKIE")
wrk.headers["X-CSRF-Token"] = os.getenv("SOLVEIT_CSRF")
wrk.body = '{"task_id":' .. (os.getenv("SOLVEIT_TASK") or "1") ..
	',"language_id":71,"code":"print(\\"Hello, World!\\")\\n"}'

-- Every answer must be 202: count anything else so the figures are not flattered by errors.
local bad = 0
response = function(status, headers, body)
	if status ~= 202 then
		bad = bad + 1
	end
end

done = function(summary, latency, requests)
	io.write(string.format("non-202 answers: %d\n", bad))
end
