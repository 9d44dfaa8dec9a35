-- wrk script: a request for a path picked uniformly at random from the
-- file named by $BENCH_PATHS (one path a line, e.g.
-- /api/handles/88.1000.1/PUMP-000001).  Used for both idnode and the
-- nginx baseline, so both see the same mix.
--
-- A GET, unless $BENCH_BODY is set: then a POST of that JSON, where %d
-- becomes the line's number (so bodies differ).  $BENCH_TOKEN, when set,
-- is sent as the bearer token.
--
--   BENCH_PATHS=paths.txt wrk -t2 -c50 -d10s --latency -s paths.lua URL

local nthreads = 0

function setup(thread)
   nthreads = nthreads + 1
   thread:set("thread_id", nthreads)
end

function init(args)
   local file = os.getenv("BENCH_PATHS")
   local token = os.getenv("BENCH_TOKEN")
   local body = os.getenv("BENCH_BODY")
   assert(file, "BENCH_PATHS is not set")
   local headers = {}
   if token then
      headers["Authorization"] = "Bearer " .. token
   end
   if body then
      headers["Content-Type"] = "application/json"
   end
   local f = assert(io.open(file, "r"))
   requests = {}
   for line in f:lines() do
      if #line > 0 then
         local n = #requests + 1
         if body then
            requests[n] = wrk.format("POST", line, headers,
                                     string.format(body, n))
         else
            requests[n] = wrk.format("GET", line, headers)
         end
      end
   end
   f:close()
   assert(#requests > 0, file .. ": no paths")
   math.randomseed(os.time() + 7919 * (thread_id or 0))
end

function request()
   return requests[math.random(#requests)]
end
