-- wrk script: GET a path picked uniformly at random from the file named
-- by $BENCH_PATHS (one path a line, e.g. /api/handles/88.1000.1/PUMP-000001).
-- Used for both idnode and the nginx baseline, so both see the same mix.
--
--   BENCH_PATHS=paths.txt wrk -t2 -c50 -d10s --latency -s paths.lua URL

local nthreads = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("thread_id", nthreads)
end

function init(args)
   local file = os.getenv("BENCH_PATHS")
   assert(file, "BENCH_PATHS is not set")
   local f = assert(io.open(file, "r"))
   requests = {}
   for line in f:lines() do
      if #line > 0 then
         requests[#requests + 1] = wrk.format("GET", line)
      end
   end
   f:close()
   assert(#requests > 0, file .. ": no paths")
   math.randomseed(os.time() + 7919 * (thread_id or 0))
end

function request()
   return requests[math.random(#requests)]
end
