-- wrk script: POST a maintenance event to /api/events/<handle> for a
-- path picked uniformly at random from the file named by $BENCH_PATHS
-- (one path a line), with the bearer token in $BENCH_TOKEN.
--
--   BENCH_PATHS=paths.txt BENCH_TOKEN=... wrk -t2 -c50 -d10s --latency \
--       -s events.lua URL

local nthreads = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("thread_id", nthreads)
end

function init(args)
   local file = os.getenv("BENCH_PATHS")
   local token = os.getenv("BENCH_TOKEN")
   assert(file, "BENCH_PATHS is not set")
   assert(token, "BENCH_TOKEN is not set")
   local headers = {["Authorization"] = "Bearer " .. token,
                    ["Content-Type"] = "application/json"}
   local f = assert(io.open(file, "r"))
   requests = {}
   for line in f:lines() do
      if #line > 0 then
         local body = string.format(
            '{"stage":"maintenance","location":"bench plant 2, line 3",' ..
            '"attrs":{"operatingHours":%d,"faultCode":"E-17"}}',
            #requests + 1)
         requests[#requests + 1] = wrk.format("POST", line, headers, body)
      end
   end
   f:close()
   assert(#requests > 0, file .. ": no paths")
   math.randomseed(os.time() + 7919 * (thread_id or 0))
end

function request()
   return requests[math.random(#requests)]
end
