-- wrk script: POSTs the sample quoteWon webhook with a unique event_id per request and a bearer token.
--
--   BENCH_TAG    prefix of the event ids; must differ between runs against one journal (run.sh sets it)
--   BENCH_TOKEN  the bearer secret (relay.webhook.secrets)
--   BENCH_LIMIT  optional: unique events per wrk thread; past it a thread re-posts its first event (a duplicate,
--                which stores nothing) and stops once all its own events were answered 202
--   BENCH_ACK_STATUS     optional: the status that acknowledges an event (202, the relay's; Node-RED's flow says 200)
--   BENCH_OVERFLOW_PATH  optional: past BENCH_LIMIT, post to this path instead of re-posting the first event (for a
--                        peer that would store a duplicate again; its flow drops that path)
--
-- At the end it prints one line for run.sh: "BENCH status acked(202)=.. 200=.. other=.. socket_errors=..".

local tag = os.getenv("BENCH_TAG") or "bench"
local token = os.getenv("BENCH_TOKEN") or "bench-secret"
local limit = tonumber(os.getenv("BENCH_LIMIT") or "0")
local ack_status = tonumber(os.getenv("BENCH_ACK_STATUS") or "202")
local overflow_path = os.getenv("BENCH_OVERFLOW_PATH")
if overflow_path == "" then
  overflow_path = nil
end

local threads = {}
local counter = 1

function setup(thread)
  thread:set("tid", counter)
  -- wrk (4.1) calls the first thread's request() once more before it runs, to check the script, and never sends
  -- what that call returns: it must not use up an event id
  thread:set("checking", counter == 1)
  counter = counter + 1
  table.insert(threads, thread)
end

function init(args)
  sent = 0
  accepted = 0
  duplicate = 0
  other = 0
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. token
end

local template = '{"event_info":{"webhook_id":"WH7Qk2Lr9Ts1","event_id":"%s","api_version":"1.0"},'
  .. '"dealhub_quote_id":"Q8m2XyzA91Lp0c7","dealhub_opportunity_id":"OP4Rt6YuI8oP2",'
  .. '"execution_date":"2026-11-02 14:07:33","executed_by":"maria.lopez@northwind.example",'
  .. '"additional_data":{"Deal Type":"New Business","Contract Term":"36 months"}}'

function request()
  if checking then
    checking = false
    return wrk.format(nil, nil, nil, "{}")
  end
  sent = sent + 1
  local n = sent
  local path = nil
  if limit > 0 and n > limit then
    n = 1
    path = overflow_path
  end
  local body = string.format(template, tag .. "-" .. tid .. "-" .. n)
  return wrk.format(nil, path, nil, body)
end

function response(status, headers, body)
  if status == ack_status then
    accepted = accepted + 1
    if limit > 0 and accepted >= limit then
      wrk.thread:stop()
    end
  elseif status == 200 then
    duplicate = duplicate + 1
  else
    other = other + 1
  end
end

function done(summary, latency, requests)
  local a, d, o = 0, 0, 0
  for _, t in ipairs(threads) do
    a = a + t:get("accepted")
    d = d + t:get("duplicate")
    o = o + t:get("other")
  end
  local e = summary.errors
  io.write(string.format("BENCH status acked(" .. ack_status .. ")=%d 200=%d other=%d socket_errors=%d\n", a, d, o,
    e.connect + e.read + e.write + e.timeout))
end
