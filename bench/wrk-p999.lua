-- bench/compare's wrk script: wrk --latency prints p50..p99 only; this adds p99.9
-- (µs) as one line bench/compare parses. done() runs once at the end: no per-request cost.
done = function(summary, latency, requests)
  io.write(string.format("p99.9 %d us\n", latency:percentile(99.9)))
end
