-- GCRA over a batch of takes (otp.BatchLimiter), in integer microseconds
-- on the Redis clock. KEYS[i] is take i's key; ARGV[3i-2], ARGV[3i-1],
-- ARGV[3i] its count, period (us) and kind (0 count, 1 peek, 2 soft).
-- Returns four integers per take: allowed (1/0), remaining, retry after
-- (us), reset after (us). The batch passes when every count and peek
-- take fits; only then are the count and soft takes that fit written.
local t = redis.call("TIME")
local now = (tonumber(t[1]) - 1483228800) * 1000000 + tonumber(t[2])
local view = {}
local newtats = {}
local out = {}
local pass = true
for i = 1, #KEYS do
  local key = KEYS[i]
  local count = tonumber(ARGV[3 * i - 2])
  local interval = math.max(math.floor(tonumber(ARGV[3 * i - 1]) / count), 1)
  local kind = tonumber(ARGV[3 * i])
  local burst = interval * count
  local tat = view[key]
  if tat == nil then
    local stored = redis.call("GET", key)
    if stored then tat = tonumber(stored) else tat = now end
  end
  if tat < now then tat = now end
  local newtat = tat + interval
  local allowat = newtat - burst
  if now < allowat then
    if kind ~= 2 then pass = false end
    table.insert(out, 0)
    table.insert(out, 0)
    table.insert(out, allowat - now)
    table.insert(out, tat - now)
  else
    if kind ~= 1 then
      view[key] = newtat
      newtats[i] = newtat
    end
    table.insert(out, 1)
    table.insert(out, math.floor((now - allowat) / interval))
    table.insert(out, 0)
    table.insert(out, newtat - now)
  end
end
if pass then
  for i = 1, #KEYS do
    local newtat = newtats[i]
    if newtat ~= nil and view[KEYS[i]] == newtat then
      redis.call("SET", KEYS[i], string.format("%d", newtat), "PX", math.ceil((newtat - now) / 1000))
    end
  end
end
return out
